"""Gates that decide what a fetched page is before (and just after) extraction.

Each gate returns a human-readable reason or ``None``; ``extract.py`` maps the first hit to a
``Verdict``. Thresholds are module constants so that golden tests can name them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

TOO_SHORT_WORDS = 60
# A soft 404 may still carry a search box and a few suggestions; an article never says "404" in
# its h1 *and* stays this short.
SOFT_404_MAX_WORDS = 150
LISTING_MIN_TEASERS = 6
LISTING_MIN_CARDS = 2
LONG_PARAGRAPH_WORDS = 40

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip/office"),
    (b"\x89PNG", "png"),
    (b"GIF8", "gif"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"RIFF", "riff (webp/wav)"),
    (b"\x1f\x8b", "gzip"),
    (b"ID3", "mp3"),
    (b"\x00\x00\x00", "iso media (mp4)"),
    (b"OggS", "ogg"),
    (b"{\\rtf", "rtf"),
    (b"\xd0\xcf\x11\xe0", "ms office"),
)
# Feeds and sitemaps are often served as text/html or text/xml; their root element gives them away.
_XML_DOCUMENT = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*|<\?xml-stylesheet[^>]*>\s*)*"
                           rb"<(rss|feed|urlset|sitemapindex|rdf:RDF)[\s>]", re.DOTALL)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml")
# Types that say nothing about the body. A page declared so (or not declared) is HTML only when
# its body starts like markup: misconfigured servers send articles as text/plain or
# application/octet-stream, and robots.txt / ads.txt are not articles.
_GENERIC_TYPES = frozenset({"", "text/plain", "application/octet-stream", "binary/octet-stream",
                            "application/unknown", "application/x-unknown", "unknown/unknown"})
_LOOKS_LIKE_MARKUP = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype|html|head|body|meta|title|div|p|\?xml)", re.I | re.S
)
_SOFT_404 = re.compile(
    r"\b404\b|page (introuvable|non trouvée|inexistante|non disponible)|\bintrouvable\b"
    r"|\bnot found\b|page (does not|doesn't) exist|الصفحة غير موجودة|الصفحة المطلوبة غير",
    re.IGNORECASE,
)
_PAGED_URL = re.compile(r"[?&](page|paged|wpv_paged)=\d+|/page/\d+/?$")
_PAGED_TITLE = re.compile(r"\bpage \d+\b", re.IGNORECASE)
_ARTICLE_PATH = re.compile(r"[a-z0-9]+(-[a-z0-9]+){2,}|\d{4,}|_a\d+\.html", re.IGNORECASE)


def empty_body_reason(body: bytes) -> str | None:
    """An empty (or all-whitespace) 200: the server failed to send the page. Not a non-HTML
    page: the URL must be fetched again, so the extractor calls it an ``error``."""
    if not body.strip():
        return f"empty body ({len(body)} bytes)"
    return None


def not_html_reason(body: bytes, content_type: str) -> str | None:
    """Non-HTML by declared type or by magic bytes (servers label PDFs ``text/html`` too).
    An empty body is not judged here (see :func:`empty_body_reason`)."""
    if not body.strip():
        return None
    head = body[:16].lstrip()
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return f"body is {kind} (magic bytes)"
    if _XML_DOCUMENT.search(body[:2048]):
        return "body is a feed or sitemap (XML root element)"
    media = content_type.split(";")[0].strip().lower()
    if media in _GENERIC_TYPES:
        if not _LOOKS_LIKE_MARKUP.match(body[:2048]):
            return f"content-type {media or 'missing'} and no markup"
    elif not media.startswith(_HTML_TYPES):
        return f"content-type {media}"
    return None


# Bot challenges (Cloudflare, DataDome, Imperva, PerimeterX, Akamai, AWS WAF, Sucuri, captcha
# walls) answer 200 with a short page instead of the article. Two kinds of evidence: the
# vendor's own markup, which no article carries, and the wording of the challenge, which an
# article about bots might quote, so it only counts under a challenge title, or next to a
# captcha widget on a page too short to be an article (a comment form's reCAPTCHA on a real
# article must not make it "blocked"). Either way the page must be short: only short pages are
# scanned, for plain substrings of the lower-cased source.
BLOCKED_MAX_WORDS = 150
_VENDOR_MARKUP = (
    "/cdn-cgi/challenge-platform/", "_cf_chl_opt", "cf-browser-verification",
    'id="challenge-form"', 'id="challenge-running"', 'id="challenge-body-text"',
    "captcha-delivery.com", "_incapsula_resource", "incapsula incident id", "px-captcha",
    "_pxcaptcha", "/_sec/cp_challenge/", "awswaf.com", "awswafintegration",
    "sucuri website firewall",
)
_CAPTCHA_WIDGET = ("g-recaptcha", "h-captcha", "cf-turnstile", "recaptcha/api.js",
                   "hcaptcha.com/1/api.js", "turnstile/v0/api.js")
_CHALLENGE_TITLES = (
    "just a moment", "un instant", "one moment, please", "attention required", "access denied",
    "accès refusé", "security check", "vérification de sécurité", "contrôle de sécurité",
    "captcha", "are you a robot", "êtes-vous un robot", "please verify you are a human",
    "pardon our interruption", "checking your browser", "vérification de votre navigateur",
    "robot or human", "لحظة", "يرجى الانتظار",
)
_CHALLENGE_WORDING = (
    "checking if the site connection is secure", "checking your browser before accessing",
    "vérification de votre navigateur", "vérification que vous êtes un humain",
    "vérification de la sécurité de votre", "enable javascript and cookies to continue",
    "activez javascript et les cookies", "verify you are human", "verifying you are human",
    "verify that you are human", "verify you are a human", "vérifiez que vous êtes humain",
    "vérifiez que vous êtes un humain", "are you a robot", "êtes-vous un robot",
    "not a robot", "pas un robot", "unusual traffic", "trafic inhabituel",
    "please enable js and disable any ad blocker",
    "needs to review the security of your connection",
)


_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.DOTALL)


def _first(haystack: str, needles: tuple[str, ...]) -> str | None:
    return next((needle for needle in needles if needle in haystack), None)


def bot_challenge_reason(markup: str, words: int,
                         headers: Mapping[str, str] | None = None) -> str | None:
    """A bot challenge or captcha wall served in place of the page (see the lists above).

    Args:
        markup: the decoded page source.
        words: words of text the page has; the extracted body's count will do (a challenge has
            next to none). Above ``BLOCKED_MAX_WORDS`` nothing is scanned: a page with that
            much text is not a challenge, and articles pay nothing for this gate.
        headers: response headers, any case (Cloudflare marks challenges ``cf-mitigated``).
    """
    for name, value in (headers or {}).items():
        if name.lower() == "cf-mitigated" and value.strip().lower() == "challenge":
            return "cf-mitigated: challenge header"
    if words > BLOCKED_MAX_WORDS:
        return None
    head = html.unescape(markup[:65536]).lower()
    vendor = _first(head, _VENDOR_MARKUP)
    if vendor:
        return f"bot challenge markup {vendor!r}"
    wording = _first(" ".join(head.split()), _CHALLENGE_WORDING)
    if wording is None:
        return None
    found = _TITLE.search(head)
    title = " ".join(found.group(1).split()) if found else ""
    if title.startswith(_CHALLENGE_TITLES) or (
            words < TOO_SHORT_WORDS and _first(head, _CAPTCHA_WIDGET)):
        return f"bot challenge page: title {title[:40]!r}, says {wording!r}"
    return None


def soft_404_reason(root: HtmlElement, body_words: int) -> str | None:
    """A 200 page whose title or h1 says "not found" and that has little text."""
    if body_words > SOFT_404_MAX_WORDS:
        return None
    for xpath in (".//title", ".//h1"):
        for element in root.xpath(xpath)[:2]:
            text = " ".join(" ".join(element.itertext()).split())
            if _SOFT_404.search(text):
                return f"{element.tag} says {text[:60]!r}"
    return None


def _same_site_targets(links: Iterable[HtmlElement], url: str) -> set[str]:
    """Paths of other article-looking pages on the page's own host that ``links`` point to."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    own = urlsplit(url).path.rstrip("/")
    found: set[str] = set()
    for link in links:
        href = link.get("href")
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        parts = urlsplit(urljoin(url, href))
        if (parts.hostname or "").removeprefix("www.") != host:
            continue
        path = parts.path.rstrip("/")
        if path and path != own and _ARTICLE_PATH.search(path.rsplit("/", 1)[-1] or path):
            found.add(path)
    return found


def teaser_links(root: HtmlElement, url: str) -> int:
    """Distinct links to other article-looking pages of the same host."""
    return len(_same_site_targets(root.iter("a"), url))


def teaser_headings(root: HtmlElement, url: str) -> int:
    """Headings that link to another article: one per card on a listing, none in an article.

    Every theme in the research notes prints a card title as ``h2/h3 > a`` (tagDiv
    ``h3.entry-title > a``, JNews ``h3.jeg_post_title > a``, Jannah ``h2.post-title > a``), and
    related-post blocks that do the same on article pages are removed before this runs.
    """
    count = 0
    for heading in root.iter("h2", "h3", "h4"):
        if _same_site_targets(heading.iter("a"), url):
            count += 1
    return count


def listing_reason(
    cleaned: HtmlElement, url: str, paragraphs: Sequence[str], article_signals: bool
) -> str | None:
    """A page that is mostly teasers: linked card titles or many article links, little prose.

    Run on the cleaned tree (tickers, related cards and sidebars already gone), so an article's
    leftover links do not count. A page that declares itself an article needs stronger evidence.
    """
    wordpress = _wordpress_page_kind(cleaned)
    if wordpress == "archive":
        return "WordPress archive page (body class)"
    headings = teaser_headings(cleaned, url)
    cards = sum(
        1
        for card in cleaned.iter("article")
        if card.find(".//h2") is not None or card.find(".//h3") is not None
    )
    teasers = teaser_links(cleaned, url)
    long_paragraphs = sum(len(p.split()) >= LONG_PARAGRAPH_WORDS for p in paragraphs)
    if article_signals or wordpress == "single":
        if headings >= LISTING_MIN_CARDS and long_paragraphs < 2:
            return f"{headings} linked card titles, {long_paragraphs} long paragraphs"
        if teasers >= 3 * LISTING_MIN_TEASERS and long_paragraphs == 0:
            return f"{teasers} article links, no paragraph of {LONG_PARAGRAPH_WORDS}+ words"
        return None
    if headings >= LISTING_MIN_CARDS:
        return f"{headings} linked card titles and no article metadata"
    if cards >= 3:
        return f"{cards} <article> cards and no article metadata"
    if teasers >= LISTING_MIN_TEASERS and long_paragraphs < 3:
        return f"{teasers} article links, {long_paragraphs} long paragraphs, no article metadata"
    # Aggregator source pages (maghress "/fr/<source>?page=N") list two or three teasers in
    # tables, without headings: what is left is links plus excerpts, never a long paragraph.
    if teasers >= 2 and long_paragraphs == 0:
        return f"{teasers} article links, no paragraph of {LONG_PARAGRAPH_WORDS}+ words"
    # The last page of a pagination may hold a single teaser.
    title = " ".join(" ".join(t.itertext()) for t in cleaned.iter("title"))
    if teasers and long_paragraphs == 0 and (_PAGED_URL.search(url) or _PAGED_TITLE.search(title)):
        return "paginated page of teasers"
    return None


# WordPress's body_class() names the template: "single single-post" for a post, "archive
# category", "archive tag", "archive author", "search", "home blog" or "paged" for listings.
_WP_ARCHIVE = {"archive", "category", "tag", "author", "search", "blog", "paged", "date"}


def _wordpress_page_kind(root: HtmlElement) -> str | None:
    body = root.find("body")
    classes = set((body.get("class") or "").split()) if body is not None else set()
    if "single" in classes or "single-post" in classes:
        return "single"
    themed = any(c.startswith(("wp-", "td-", "jnews", "tie-")) for c in classes)
    if classes & _WP_ARCHIVE and themed:
        return "archive"
    return None


def too_short_reason(word_count: int) -> str | None:
    """Fewer than ``TOO_SHORT_WORDS`` words of body: a stub, a video page, a photo caption."""
    if word_count < TOO_SHORT_WORDS:
        return f"{word_count} words of body (< {TOO_SHORT_WORDS})"
    return None
