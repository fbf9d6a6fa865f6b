"""Gates that decide what a fetched page is before (and just after) extraction.

Each gate returns a human-readable reason or ``None``; ``extract.py`` maps the first hit to a
``Verdict``. Thresholds are module constants so that golden tests can name them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence

from lxml.html import HtmlElement

TOO_SHORT_WORDS = 60
# A soft 404 may still carry a search box and a few suggestions; an article never says "404" in
# its h1 *and* stays this short.
SOFT_404_MAX_WORDS = 150

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


# --- article evidence ---------------------------------------------------------------------


def article_evidence(url: str, meta: Mapping[str, str], ld_types: Iterable[str],
                     article_patterns: Sequence[str] = (),
                     ignore_patterns: Sequence[str] = (),
                     listing_template: str | None = None) -> str | None:
    """What says this page is an article, named, or None.

    The page's own metadata (an Article-type JSON-LD object, an ``article:published_time``
    meta), its URL matching the outlet's ``article_patterns`` (and none of its
    ``ignore_patterns``), else ``og:type`` article (``WEAK_EVIDENCE``). Such a page is never
    thrown away by a heuristic gate (listing, too short, paywalled): at worst it is stored
    with a flag in ``reason``. Only weak evidence (a ``WeakEvidence``: ``og:type`` article
    alone, or a meta tag on a listing template's URL) gives way to a listing whose structure
    leaves no doubt (``listing.ListingCall.shape``), and meta evidence (a ``MetaEvidence``,
    weak or not) to a page of links (``listing.ListingCall.links``), with the reason recorded;
    strong listing evidence (``listing.listing_proof``, ``named_listing``) overrules any.

    Args:
        url: the page's URL.
        meta: the page's ``<meta>`` values (``metadata.metas``).
        ld_types: the lower-case ``@type`` values of its JSON-LD objects.
        article_patterns: the outlet's article URL patterns (regular expressions).
        ignore_patterns: the outlet's patterns that win over ``article_patterns``.
        listing_template: the listing template the URL names other than the home page
            (``listing_urls.listing_url``: "/topic/ URL"), which makes meta evidence weak
            (below ``WEAK_EVIDENCE``).
    """
    found = sorted(set(ld_types) & LD_ARTICLE_TYPES)
    if found:
        return f"JSON-LD {found[0]}"
    if (any(re.search(p, url) for p in article_patterns)
            and not any(re.search(p, url) for p in ignore_patterns)):
        # Named after article:published_time, as before, but never weakened by the URL: the
        # registry's word is strong evidence.
        return (str(META_EVIDENCE) if meta.get("article:published_time")
                else "URL matches the outlet's article pattern")
    if meta.get("article:published_time"):
        named: str = META_EVIDENCE
    elif meta.get("og:type", "").strip().lower() == "article":
        named = WEAK_EVIDENCE
    else:
        return None
    if listing_template:
        return WeakEvidence(f"{named} on a {listing_template}")
    return named


class MetaEvidence(str):
    """Article evidence read from ``<meta>`` tags alone (Open Graph's ``og:type`` article,
    ``article:published_time``), not from a JSON-LD Article or the outlet's registry: a page
    of links (``listing.ListingCall.links``) overrules it, the decision is the record's
    ``reason``. A CMS prints these tags on every page it serves: on WCXB dev a TV station's
    topic page, 96 % of its text in links, carries ``article:published_time``; of WCXB's 793
    articles and ScrapingHub's 181, none with meta evidence has more than 82 % of its text in
    links (``listing.LINKS_OVER_META_SHARE`` is 90 %)."""


class WeakEvidence(MetaEvidence):
    """Article evidence that a listing's own shape overrules too (``listing.ListingCall.shape``):
    the decision is the record's ``reason``."""


# ``og:type`` article with nothing else (named last by ``article_evidence``, so this string
# means it stands alone): themes print it on every page, section fronts and shop categories
# included (on WCXB's dev split 17 of the 96 listing and collection pages 1.2 stored had this
# evidence and no other; Yoast SEO prints it on category and tag archives since its 14.0,
# Yoast/wordpress-seo#14775).
WEAK_EVIDENCE = WeakEvidence("og:type article")
# ``article:published_time`` (with or without ``og:type`` article), not on a listing template's
# URL: stronger than ``og:type`` alone (an agency's front page annotated as an article on WCXB
# carries it and a listing's shape), but meta evidence still.
META_EVIDENCE = MetaEvidence("article:published_time meta")
# Meta evidence (``og:type`` article, ``article:published_time``) on a URL that names a listing
# template other than the home page (``/topic/car-rental``, ``/genre/action``,
# ``/category/multiplayer_coop``) is what a CMS prints on every page it serves, its topic and
# genre pages included (WCXB dev: a TV station's topic page, a games shop's genre and category
# pages, all with ``article:published_time``), so ``article_evidence`` calls it weak. Of WCXB's
# 793 articles and ScrapingHub's 181, one carries meta evidence on such a URL (a buying guide
# under ``/topics/``, ``og:type`` article, weak already) and it has no listing shape. The home
# page is left out: one WCXB article, an agency's front page with ``article:published_time``,
# has the home page's listing shape.


LD_ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "report",
    "liveblogposting", "techarticle", "scholarlyarticle",
}
