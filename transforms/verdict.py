"""Gates that decide what a fetched page is before (and just after) extraction.

Each gate returns a human-readable reason or ``None``; ``extract.py`` maps the first hit to a
``Verdict``. Thresholds are module constants so that golden tests can name them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import unquote, urljoin, urlsplit

from lxml.etree import XPath
from lxml.html import HtmlElement

TOO_SHORT_WORDS = 60
# A soft 404 may still carry a search box and a few suggestions; an article never says "404" in
# its h1 *and* stays this short.
SOFT_404_MAX_WORDS = 150
LONG_PARAGRAPH_WORDS = 40
# Listing heuristics (``listing_reason``), for pages without article evidence. Measured on WCXB's
# dev split, pages without article metadata (about 200 articles, 184 listing or collection
# pages): the four rules together reject 96 listings and 2 articles (a dictionary entry and a
# link hub annotated "article"); the rules of khabar-extract 1.1 rejected 109 listings and 25
# articles. Repeated link cards at 50 % instead of 80 % of the text would reject 9 more listings
# and 3 more articles (link-list pages of university sites).
LISTING_MIN_TEASERS = 2  # links to other articles of the site on a page without a long paragraph
LISTING_MIN_CARDS = 3  # linked card titles (h2-h4 > a) ...
LISTING_CARD_SHARE = 0.4  # ... whose cards hold this share of the prose
LISTING_GROUP_SHARE = 0.8  # repeated link cards (4+ alike siblings) holding this share of text
LISTING_MAX_LONG = 3  # ... on a page with at most this many long paragraphs
LISTING_URL_MAX_LONG = 2  # a listing template's URL and at most this many long paragraphs
# A URL whose last segment is a slug of this many words names one page, not a list of them.
ARTICLE_SLUG_WORDS = 4

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
# A body served as HTML that is binary (random or compressed bytes, a file in an unknown format):
# text never holds control bytes other than tab and line breaks, random bytes hold one in nine.
# Without this gate the extraction floor would hand trafilatura the decoded bytes and store noise.
BINARY_CONTROL_SHARE = 0.05
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Feeds and sitemaps are often served as text/html or text/xml; their root element gives them away.
_XML_DOCUMENT = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*|<\?xml-stylesheet[^>]*>\s*)*"
                           rb"<(rss|feed|urlset|sitemapindex|rdf:RDF)[\s>]", re.DOTALL)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml")
# Types that say nothing about the body. A page declared so (or not declared) is HTML only when
# its body starts like markup: misconfigured servers send articles as text/plain or
# application/octet-stream, and robots.txt / ads.txt are not articles.
_GENERIC_TYPES = frozenset({"", "text/plain", "application/octet-stream", "binary/octet-stream",
                            "application/unknown", "application/x-unknown", "unknown/unknown"})
# Pages may open with any head or body element: WCXB has articles whose bytes start with
# <script> and with <style>.
_LOOKS_LIKE_MARKUP = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype|\?xml|html|head|body|meta|title|link|base|script|style"
    rb"|noscript|div|p|span|section|article|main|header|nav|table|form|h[1-6]|a|img|br|ul)[\s>/]",
    re.I | re.S,
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
    if not body.startswith(_UTF16_BOMS):
        start = body[:4096]
        control = len(_CONTROL_BYTES.findall(start))
        if control >= 32 and control > BINARY_CONTROL_SHARE * len(start):
            return f"body is binary ({control} control bytes in the first {len(start)})"
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


def listing_reason(cleaned: HtmlElement, url: str, paragraphs: Sequence[str]) -> str | None:
    """A page that is mostly teasers, by the shape of its cleaned tree and body (heuristic).

    Run on the cleaned tree (tickers, related cards and sidebars already gone), so an article's
    leftover links count little. The caller applies it to every page, but a page with article
    evidence is then only flagged, not rejected. A URL ending in a long slug
    (``ARTICLE_SLUG_WORDS``) names one page and is never a listing by these rules.
    """
    if _slug_words(url) >= ARTICLE_SLUG_WORDS:
        return None
    long_paragraphs = sum(word_units(p) >= LONG_PARAGRAPH_WORDS for p in paragraphs)
    # Every link of the page is resolved to count teasers: only where it can decide.
    teasers = teaser_links(cleaned, url) if long_paragraphs == 0 else 0
    if teasers >= LISTING_MIN_TEASERS:
        return f"{teasers} article links, no paragraph of {LONG_PARAGRAPH_WORDS}+ words"
    body = cleaned.find("body")
    scope = body if body is not None else cleaned
    headings, card_prose = teaser_cards(scope, url)
    if headings >= LISTING_MIN_CARDS:
        share = card_prose / max(1, _prose(scope))
        if share >= LISTING_CARD_SHARE:
            return f"{headings} linked card titles holding {share:.0%} of the prose"
    if long_paragraphs <= LISTING_MAX_LONG:
        share = link_card_share(scope)
        if share >= LISTING_GROUP_SHARE:
            return (f"repeated link cards hold {share:.0%} of the text, {long_paragraphs} long "
                    "paragraphs")
    template = listing_url(url)
    if template and long_paragraphs <= LISTING_URL_MAX_LONG:
        return f"{template}, {long_paragraphs} long paragraphs"
    # The last page of a pagination may hold a single teaser.
    title = " ".join(" ".join(t.itertext()) for t in cleaned.iter("title"))
    if teasers and long_paragraphs == 0 and (_PAGED_URL.search(url) or _PAGED_TITLE.search(title)):
        return "paginated page of teasers"
    return None


def _prose(element: HtmlElement) -> int:
    from transforms.boilerplate import prose_length  # no cycle: boilerplate imports no gate

    return prose_length(element)


def teaser_cards(scope: HtmlElement, url: str) -> tuple[int, int]:
    """Linked card titles (h2-h4 linking to another article of the site) and the prose of their
    cards (the largest ancestor of each title holding no other title)."""
    titles = [h for h in scope.iter("h2", "h3", "h4") if _same_site_targets(h.iter("a"), url)]
    if len(titles) < LISTING_MIN_CARDS:
        return len(titles), 0
    marked = set(titles)
    cards = set()
    for title in titles:
        card = title
        for ancestor in title.iterancestors():
            if ancestor is scope or sum(h in marked for h in ancestor.iter("h2", "h3", "h4")) > 1:
                break
            card = ancestor
        cards.add(card)
    return len(titles), sum(_prose(card) for card in cards)


_STRING = XPath("string()", smart_strings=False)
_CARD_MIN_GROUP = 4
_CARD_MAX_WORDS = 80


def link_card_share(scope: HtmlElement) -> float:
    """Share of the page's text inside repeated link cards: groups of at least four alike
    siblings (same tag and class) of which three in four hold a link and at most 80 words, the
    shape of a teaser grid, a product grid or a search result list. An article's paragraphs are
    alike siblings too, but long or without links; its leftover menus are short."""
    total = len(" ".join(_STRING(scope).split()))
    if not total:
        return 0.0
    counted = 0
    inside: set[HtmlElement] = set()
    for parent in scope.iter():
        if len(parent) < _CARD_MIN_GROUP or parent in inside:
            continue
        groups: dict[tuple[str, str | None], list[HtmlElement]] = {}
        for child in parent:
            if isinstance(child.tag, str):
                groups.setdefault((child.tag, child.get("class")), []).append(child)
        for members in groups.values():
            if len(members) < _CARD_MIN_GROUP:
                continue
            cards = []
            for member in members:
                text = " ".join(_STRING(member).split())
                if text and len(text.split()) <= _CARD_MAX_WORDS and any(
                        (a.get("href") or "#")[:1] != "#" for a in member.iter("a")):
                    cards.append((member, len(text)))
            if len(cards) >= _CARD_MIN_GROUP and len(cards) >= 0.75 * len(members):
                counted += sum(size for _, size in cards)
                for member, _ in cards:
                    inside.update(member.iter())
    return counted / total


# Path segments that name a listing template (category, tag, topic, section, author, search,
# archive pages) in the languages of the outlets and of WCXB. A listing URL is such a segment
# followed by no article-like segment, or the site's home page.
_LISTING_SEGMENTS = {
    "category", "categories", "tag", "tags", "topic", "topics", "section", "sections", "genre",
    "browse", "archive", "archives", "author", "authors", "search", "page", "rubrique",
    "rubriques", "categorie", "theme", "themes", "dossier", "dossiers", "kategorie", "thema",
    "themen", "categoria", "categorias", "tema", "temas", "etiqueta", "kategori", "arsip",
    "collections", "shop",
}
_HOME_PATH = re.compile(r"(index\.\w+|home|accueil|[a-z]{2}(-[a-z]{2})?)")


def listing_url(url: str) -> str | None:
    """The listing template a URL names (``_LISTING_SEGMENTS``, the home page), or None."""
    segments = [s for s in unquote(urlsplit(url).path).lower().split("/") if s]
    if not segments or (len(segments) == 1 and _HOME_PATH.fullmatch(segments[0])):
        return "home page URL"
    for i, segment in enumerate(segments):
        if segment in _LISTING_SEGMENTS and not any(
                _ARTICLE_PATH.search(s) for s in segments[i + 1:]):
            return f"/{segment}/ URL"
    return None


def _slug_words(url: str) -> int:
    """Words of the URL's last path segment ("how-to-set-up-your-monitor" → 6)."""
    segments = [s for s in unquote(urlsplit(url).path).split("/") if s]
    if not segments:
        return 0
    last = re.sub(r"\.\w{2,5}$", "", segments[-1])
    return sum(1 for w in re.split(r"[-_+\s]+", last) if w and not w.isdigit())


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
    """Fewer than ``TOO_SHORT_WORDS`` words of body (``word_units``): a stub, a video page, a
    photo caption."""
    if word_count < TOO_SHORT_WORDS:
        return f"{word_count} words of body (< {TOO_SHORT_WORDS})"
    return None


# --- counting words in every script --------------------------------------------------------

# Scripts written without spaces between words: Thai, Lao, Tibetan, Myanmar, Khmer, kana, CJK
# ideographs. Splitting on spaces gives a whole Japanese or Thai paragraph one "word", so every
# such page was ``too_short``. A run of these characters counts one word per
# ``CHARS_PER_WORD`` characters: the mean word length of Chinese and Japanese text is about
# two characters (one to three), of Thai about four, so a 60-word gate asks for a comparable
# amount of text in each.
_UNSPACED = {
    "han_kana": (re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"), 2),
    "southeast_asian": (re.compile(r"[\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff]"), 4),
}
_ANY_UNSPACED = re.compile(r"[\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
                           r"\u4e00-\u9fff\uf900-\ufaff]")
_HAS_WORD_CHAR = re.compile(r"\w")


def word_units(text: str) -> int:
    """Words of ``text``: space-separated words, plus, for scripts written without spaces, one
    word per ``CHARS_PER_WORD`` characters (see ``_UNSPACED``). Equals ``len(text.split())``
    on text without such characters."""
    if text.isascii() or not _ANY_UNSPACED.search(text):
        return len(text.split())
    words = 0.0
    for pattern, chars_per_word in _UNSPACED.values():
        words += len(pattern.findall(text)) / chars_per_word
    rest = _ANY_UNSPACED.sub(" ", text).split()
    return round(words) + sum(1 for token in rest if _HAS_WORD_CHAR.search(token))


# --- article evidence and strong listing evidence ------------------------------------------


def article_evidence(url: str, meta: Mapping[str, str], ld_types: Iterable[str],
                     article_patterns: Sequence[str] = (),
                     ignore_patterns: Sequence[str] = ()) -> str | None:
    """What says this page is an article, named, or None.

    The page's own metadata (an Article-type JSON-LD object, ``og:type`` article, an
    ``article:published_time`` meta) or its URL matching the outlet's ``article_patterns`` (and
    none of its ``ignore_patterns``). Such a page is never thrown away by a heuristic gate
    (listing, too short, paywalled): at worst it is stored with a flag in ``reason``.
    """
    found = sorted(set(ld_types) & _LD_ARTICLE)
    if found:
        return f"JSON-LD {found[0]}"
    if meta.get("og:type", "").strip().lower() == "article":
        return "og:type article"
    if meta.get("article:published_time"):
        return "article:published_time meta"
    if (any(re.search(p, url) for p in article_patterns)
            and not any(re.search(p, url) for p in ignore_patterns)):
        return "URL matches the outlet's article pattern"
    return None


_LD_ARTICLE = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "report",
    "liveblogposting", "techarticle", "scholarlyarticle",
}
# JSON-LD types that name the page itself a list of other pages. Only a page type counts, not an
# ItemList anywhere on the page (an article may carry a list of products or steps).
_LD_LISTING_PAGES = {"collectionpage", "searchresultspage"}


def listing_proof(root: HtmlElement, ld_types: Iterable[str]) -> str | None:
    """Strong evidence that the page lists other pages, enough to overrule article metadata
    (themes print ``og:type`` article on every page): WordPress's body class for an archive
    template, a JSON-LD ``CollectionPage`` or ``SearchResultsPage`` and no Article object."""
    if _wordpress_page_kind(root) == "archive":
        return "WordPress archive page (body class)"
    types = set(ld_types)
    found = sorted(types & _LD_LISTING_PAGES)
    if found and not types & _LD_ARTICLE:
        return f"JSON-LD {found[0]}"
    return None
