"""Boilerplate removal: drop page furniture from the parsed tree, then scrub leftover lines.

Two layers, both general rather than per-outlet string lists:

* ``remove_boilerplate_nodes`` deletes elements whose *structure* says they are not the article:
  tag (nav, aside, footer, form controls), ARIA role, hidden state, or a class/id token naming a
  ticker, breadcrumb, share bar, related-posts block, newsletter or comment box, cookie banner,
  reading-time widget, author box, sidebar or widget. Per-outlet CSS selectors from the registry
  run first.
* ``clean_paragraphs`` removes lines that survive because they sit *inside* the article body:
  Reading Time WP labels, tweet-embed footers, aggregator notes, the report-an-ad confirmation.

``learn_from_pages`` (raw pages → fingerprints, via ``page_fingerprints`` per page and
``learn_from_fingerprints`` across pages, the two halves the extraction pool runs apart) and
``drop_learned`` add a third layer learned from many pages of one outlet: blocks that recur on
most pages are furniture, whatever their markup.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import lru_cache

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from transforms import themes
from transforms.themes import wordpress

# Tags that never hold article prose: dropped first, whatever they contain. <form> is not here:
# JSF/ASP.NET pages (maghress) wrap the entire page, article included, in one form; comment and
# newsletter forms go by class/id.
_NEVER_PROSE = (
    "script", "style", "noscript", "template", "iframe", "input", "svg", "canvas", "object",
)
# Form controls, tickers and dialogs hold no prose either, but an unclosed one swallows what
# follows (WCXB: Dotdash Meredith articles sit inside a <button> as parsed): they go through the
# prose guard below, in both modes.
_CONTROL_TAGS = {"button", "select", "textarea", "label", "marquee", "dialog"}
# Containers that usually hold furniture, by tag or ARIA role. They go through the prose guard
# like class matches: the HTML parser nests the rest of the page inside an unclosed <aside> or
# <nav> (WCXB: a Fermyon blog post inside an announcement <aside>, a CIO article inside the
# header's <nav>), and some themes put the article inside <header role=banner>.
_FURNITURE_TAGS = {"nav", "aside", "footer"}
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
# A furniture-looking element (tag, role, hidden, class/id token) is kept when it holds at least
# this share of the page's prose (text outside links): then it is the article's container, named
# oddly or swallowed by a broken tag (a hidden React streaming container, Blogger's
# ``div.widget.Blog``, an unclosed <aside>). trafilatura sorts out what is inside.
PROSE_GUARD_SHARE = 0.5

# Class/id tokens that name page furniture: the general ones here, the themes' own in
# ``transforms/themes/`` (tagDiv, JNews, Jannah, WordPress core and plugins), joined into one
# alternation. Matched against each token separately so that "td-post-content" does not match
# "post" rules; anchored fragments keep "ad" from matching "head".
# Tokens are lower-cased first and the pattern is case-sensitive: re.IGNORECASE makes this
# alternation about four times slower, and it runs on every class token of every page.
# The general tokens that name what is never article text on any site: cookie and consent
# banners, newsletter and sign-up boxes, comment sections, share bars, pop-ups, ads,
# breadcrumbs, reading-time labels, related-post lists. The extraction floor's second pass
# (``remove_boilerplate_nodes(strong_only=True)``) applies only these (and the themes' strong
# ones), plus hidden elements: on WCXB its untouched page brought back cookie tables and
# shipping banners our rules had removed.
_STRONG_GENERAL = (
    "ticker", "marquee",
    "bread-?crumbs?",
    "shar(e|ing)(-|_|$)", "share-buttons", "social-share",
    "related",
    "newsletter", "subscri(be|ption)", "signup",
    "comments?(-|_|$)", "disqus",
    "cookie", "consent", "gdpr",
    "reading-?time", "read-?time",
    "(^|-|_)ads?(-|_|$)", "advert", "dfp", "adsbygoogle",
    "popup", "modal",
    # The box a hover card or tooltip opens, not its trigger (the name in the sentence):
    # The Hill's "rollover-people-block" put each named person's latest headlines in the text.
    "(tooltip|popover|hover-?card|rollover)([-_][a-z]+)*[-_](block|box|body|content|panel)",
)
# The rest of the general furniture, applied by the main removal only (not by the floor's
# second pass).
_WEAK_GENERAL = (
    "breaking", "trending", "flash-?info",
    "twitter-tweet", "instagram-media", "tiktok-embed", "fb-post",
    "social-(links|icons)",
    "similar", "more-from", "prev-next", "next-prev",
    "author-?(box|bio|info)", "about-author", "post-author-box",
    "sidebar", "widget", "theiastickysidebar",
    "post-views", "views-count",
    "sponsor",
    "overlay",
    "site-header", "theme-header", "header-(wrap|top|menu)", "top-?bar", "main-menu", "menu-",
    "site-footer", "sub-footer",
    "post-tags", "tagcloud", "post-bottom",
    "(^|-|_)(print|report)(-|_|$)", "pagination", "page-nav",
)


def _alternation(fragments: tuple[str, ...]) -> re.Pattern[str]:
    """One case-sensitive pattern matching any fragment (``search`` finds the leftmost hit,
    whatever the fragments' order)."""
    return re.compile("(" + "|".join(fragments) + ")")


_FURNITURE = _alternation(_STRONG_GENERAL + _WEAK_GENERAL + themes.furniture())
_STRONG_FURNITURE = _alternation(_STRONG_GENERAL + themes.furniture(strong_only=True))
_POST_CLASS_PREFIX = wordpress.POST_CLASS_PREFIX
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_NEVER_DROP = {"html", "body", "head", "main", "article"}
# Comments go at parse time (trafilatura's own parser drops them too), which also spares the
# removal pass; processing instructions are kept as before.
_PARSER = lxml.html.HTMLParser(remove_comments=True, collect_ids=False)
# Every node is a plain HtmlElement, chosen in C. lxml.html's default lookup calls a Python
# function each time a node is first touched from Python (tens of thousands of times per page
# between our passes and trafilatura's, which work on copies of this tree) only to give <form>,
# <input>, <select>, <textarea> and <label> form-handling subclasses that no one here uses.
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity,
))
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def parse_page(text: str) -> HtmlElement | None:
    """Parse a decoded page the one way extraction and learning both use; None if unparseable."""
    try:
        # lxml refuses str input that still declares an encoding; the bytes are decoded already.
        return lxml.html.document_fromstring(_XML_DECLARATION.sub("", text, count=1), _PARSER)
    except (etree.ParserError, ValueError):
        return None


@lru_cache(maxsize=256)
def css(selector: str, translator: str = "xml") -> CSSSelector:
    """A registry selector compiled once per process (cssselect translates it to XPath first)."""
    return CSSSelector(selector, translator=translator)


# Page builders name every block of a page, the article's text blocks included, with a namespace
# and a generic word: Elementor "elementor-widget elementor-widget-text-editor", HubSpot
# "widget-span widget-type-cell", Divi "et_pb_module et_pb_text". The namespace says nothing;
# the widget type after it does ("elementor-widget-share-buttons" is a share bar), so it is
# matched without the namespace, and the bare layout tokens are not matched at all.
_BUILDER_PREFIX = re.compile(r"^(elementor-widget-|elementor-element-|et_pb_|widget-type-)")
_BUILDER_STARTS = ("elementor-", "et_pb_", "widget-type-")
_BUILDER_TOKENS = {"elementor-widget", "elementor-widget-wrap", "widget-span", "et_pb_module",
                   "elementor-widget-container", "widget-type-cell"}


# A token that names the content before it names furniture describes the content:
# "article-inner-content-breaking-news" (an article body on a breaking-news template),
# "rich-text-newsletter-cms" (a newsletter issue published as the page's article),
# "c-product-widget" (a product's review in a "best laptops" article, WCXB).
_CONTENT_WORD = re.compile(r"content|entry|story|body|text|cms|product|review")


# Tokens that state a layout option of the element they sit on, not what it is: "has-sidebar",
# "no-comments", "sidebar-enabled--false" (WCXB: One Tree Planted's article blocks).
_LAYOUT_STATE = re.compile(r"^(has|with|no|without|show|hide)-|[-_](enabled|disabled|true|false"
                           r"|none|on|off)([-_]|$)")


# Two names joined by "and" in one token: the element holds both things.
_JOINED = re.compile(r"[-_]and[-_]")


def _furniture_token(token: str, pattern: re.Pattern[str] = _FURNITURE) -> bool:
    """Whether one class/id token names furniture (see ``_FURNITURE``)."""
    if _POST_CLASS_PREFIX.match(token):
        return False
    token = token.lower()
    if token in _BUILDER_TOKENS:
        return False
    if token.startswith(_BUILDER_STARTS):
        token = _BUILDER_PREFIX.sub("", token, count=1)
    found = pattern.search(token)  # first: most tokens name no furniture, one search settles them
    if found is None or _CONTENT_WORD.search(token, 0, found.start()) or _LAYOUT_STATE.search(
            token):
        return False
    joined = _JOINED.search(token, 0, found.start()) if "and" in token else None
    # "map-and-related" holds a map and its related links (WCXB: lsc.gov's legal-help article
    # is in that one div): a token whose furniture name comes after "and" names furniture when
    # what comes before does too.
    return joined is None or _furniture_token(token[:joined.start()], pattern)


def _is_furniture(element: HtmlElement, memo: dict[str, bool],
                  pattern: re.Pattern[str] = _FURNITURE) -> bool:
    """Whether a class/id token names furniture; ``memo`` is per call (themes repeat tokens)."""
    names = (element.get("class") or "") + " " + (element.get("id") or "")
    hit = memo.get(names)  # whole attribute strings repeat (every card of a grid); a key with
    if hit is not None:  # a space never collides with a token's
        return hit
    for token in names.split():
        found = memo.get(token)
        if found is None:
            found = memo[token] = _furniture_token(token, pattern)
        if found:
            memo[names] = True
            return True
    memo[names] = False
    return False


def drop_element(element: HtmlElement) -> None:
    """Remove an element but keep its tail text (which belongs to the parent)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail and tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _text_len(element: HtmlElement) -> int:
    return sum(len(t.strip()) for t in element.itertext())


# Text outside links: what a reader reads. Menus, link lists and teaser titles are links, so a
# navigation bar has next to none, while an article's paragraphs, <br>-separated lines and list
# items all count (the former guard counted <p> text only: a <br>-separated Blogger post had no
# protection).
_ALL_TEXT = etree.XPath("string(.)", smart_strings=False)
_LINK_TEXT = etree.XPath(".//a//text()", smart_strings=False)


_TEXT_LENGTH = etree.XPath("string-length(normalize-space(.))")
# Below this many characters of text an element's prose is not worth computing apart: its text
# length (links included) stands for it.
_SMALL_TEXT = 200


def prose_length(element: HtmlElement) -> int:
    """Characters of text outside links under ``element``, whitespace not counted."""
    # All text minus link text: two C-level walks, where one XPath excluding the text under
    # links (``not(ancestor::a)``) tests every text node's ancestors and took three times longer.
    return max(0, non_space_length(_ALL_TEXT(element))
               - non_space_length("".join(_LINK_TEXT(element))))


def non_space_length(text: str) -> int:
    """Characters of ``text`` that are not whitespace (the unit of ``prose_length``)."""
    return len("".join(text.split()))


@dataclass(frozen=True)
class Removal:
    """What ``remove_boilerplate_nodes`` did: the evidence the extraction floor looks at."""

    elements: int  # furniture elements removed (registry selectors and general rules)
    prose: int  # characters of prose on the page once never-prose tags are gone
    prose_removed: int  # of which inside the removed furniture
    kept: int = 0  # furniture-looking elements kept by the prose guard
    # Of ``prose_removed``, inside elements that ``strong_only`` removal keeps: the most prose
    # the extraction floor's untouched page (``strong_only=True``) can give back. An upper
    # bound: a strong element nested in a weak one counts with it.
    weak_prose_removed: int = 0


def remove_selected(root: HtmlElement, selectors: Sequence[str]) -> int:
    """Delete the elements matching registry ``remove_selectors`` (tails kept); how many."""
    removed = 0
    for selector in selectors:
        for element in css(selector)(root):
            if element.tag not in _NEVER_DROP and element.getparent() is not None:
                drop_element(element)
                removed += 1
    return removed


def _strip_never_prose(scope: HtmlElement) -> None:
    """Drop every ``_NEVER_PROSE`` element (tails kept) in C, except JSON-LD scripts, which
    trafilatura's metadata pass reads from the tree (they are set aside under another tag)."""
    ld = [s for s in scope.iter("script")
          if (s.get("type") or "").strip().lower() == "application/ld+json"]
    for script in ld:
        script.tag = "khabar-ld-json"
    etree.strip_elements(scope, *_NEVER_PROSE, with_tail=False)
    for script in ld:
        script.tag = "script"


# React's streaming server rendering (Next.js and others) sends parts of the page as
# ``<div hidden id="S:1">`` segments that a script moves into place: the page's own content, often
# the article in pieces (WCXB: The Motley Fool in 25 segments), not hidden furniture.
_STREAMED_SEGMENT = re.compile(r"S:[0-9a-z]+")


def _streamed(element: HtmlElement) -> bool:
    return bool(_STREAMED_SEGMENT.fullmatch(element.get("id") or ""))


def _furniture_look(element: HtmlElement, memo: dict[str, bool], strong_only: bool) -> bool:
    """Tag, ARIA role, hidden state or class/id token that names furniture (``strong_only``:
    hidden state and ``_STRONG_FURNITURE`` tokens)."""
    if element.tag in _FURNITURE_TAGS:
        return not strong_only
    if element.tag in _CONTROL_TAGS:
        return True
    if not element.keys():  # most elements carry no attribute: one call settles them
        return False
    role, style = element.get("role"), element.get("style")
    return bool(
        (not strong_only and role and role.lower() in _DROP_ROLES)
        or (element.get("hidden") is not None and not _streamed(element))
        or (style and _HIDDEN_STYLE.search(style))
        or ((element.get("class") or element.get("id")) and _is_furniture(
            element, memo, _STRONG_FURNITURE if strong_only else _FURNITURE))
    )


def remove_boilerplate_nodes(root: HtmlElement, selectors: Sequence[str] = (), *,
                             strong_only: bool = False) -> Removal:
    """Delete furniture elements from ``root`` in place.

    Registry selectors go first, unconditionally (the outlet's entry names them). Then tags that
    never hold prose. Then every element that looks like furniture (tag, role, hidden state,
    class/id token), outermost first, unless it holds at least ``PROSE_GUARD_SHARE`` of the
    page's prose: then it is the article's container under an odd name or a broken tag.

    Args:
        root: the parsed page (modified in place).
        selectors: extra CSS selectors (registry ``remove_selectors``), applied first.
        strong_only: apply only the rules that never hit article text (``_STRONG_FURNITURE``
            and hidden elements): the extraction floor's untouched page.

    Returns:
        How many elements went and how much of the page's prose went with them.
    """
    removed = remove_selected(root, selectors)
    body = root.find("body")
    scope = body if body is not None else root
    _strip_never_prose(scope)
    total = prose_length(scope)
    # Code is never furniture, whatever its highlighter's classes say ("hljs-comment" is a
    # comment in the code, not a comment section).
    code = {node for block in scope.iter("pre", "code") for node in block.iter()}
    doomed: list[HtmlElement] = []
    gone: set[HtmlElement] = set()
    memo: dict[str, bool] = {}
    strong_memo: dict[str, bool] = {}
    prose_removed = weak_removed = kept = 0
    for element in scope.iter():
        # Inline fast path: this loop sees every node, and most carry no attribute.
        if not element.keys():
            tag = element.tag
            if tag not in _CONTROL_TAGS and (strong_only or tag not in _FURNITURE_TAGS):
                continue
        elif element.tag in _NEVER_DROP or not _furniture_look(element, memo, strong_only):
            continue
        if element in code or any(ancestor in gone for ancestor in element.iterancestors()):
            continue  # code, or inside furniture already doomed
        # Text length in C first: most furniture is short, and its prose can only be less.
        prose = int(_TEXT_LENGTH(element))
        if prose >= _SMALL_TEXT:
            prose = prose_length(element)
        if prose and prose >= PROSE_GUARD_SHARE * total:
            kept += 1
            continue
        doomed.append(element)
        gone.add(element)
        prose_removed += prose
        if prose and not strong_only and not _furniture_look(element, strong_memo, True):
            weak_removed += prose
    for element in doomed:
        drop_element(element)
    return Removal(removed + len(doomed), total, prose_removed, kept, weak_removed)


_BLOCK_TAGS = {"p", "div", "section", "article", "ul", "ol", "table", "blockquote", "h1", "h2",
               "h3", "h4", "h5", "h6", "figure", "pre"}
_BREAK_CONTAINERS = {"span", "div", "td", "font", "section", "article", "center", "main"}


def paragraphs_from_breaks(root: HtmlElement) -> int:
    """Turn ``text<br><br>text`` containers into ``<div><p>text</p><p>text</p></div>``.

    Old CMSs (maghress's ``span.articlecontent``) separate paragraphs with ``<br>`` only, and
    trafilatura flattens such an inline container into one run-on paragraph. Only containers with
    no block children are rewritten, so ordinary markup is untouched.

    Returns:
        How many containers were rewritten.
    """
    rewritten = 0
    for element in list(root.iter(*_BREAK_CONTAINERS)):
        if next(element.iterchildren("br"), None) is None:  # C-level: most have no <br>
            continue
        children = list(element)
        if any(
            isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in children
        ):
            continue
        segments: list[list[HtmlElement | str]] = [[element.text or ""]]
        for child in children:
            if child.tag == "br":
                segments.append([child.tail or ""])
            else:
                segments[-1].extend([child, child.tail or ""])
        # A break with text on one side only (``<span><br></span>`` between two spans) is a line
        # break inside a paragraph: rewriting its container would drop the break and glue the
        # words around it ("BenchBrand", WCXB).
        if sum(1 for segment in segments if _segment_has_text(segment)) < 2:
            continue
        for child in children:
            if child.tag != "br":
                child.tail = None
        element.text = None
        for child in children:
            element.remove(child)
        element.tag = "div"
        for segment in segments:
            paragraph = element.makeelement("p", {})
            last: HtmlElement | None = None
            for part in segment:
                if isinstance(part, str):
                    if last is None:
                        paragraph.text = (paragraph.text or "") + part
                    else:
                        last.tail = (last.tail or "") + part
                else:
                    paragraph.append(part)
                    last = part
            if "".join(paragraph.itertext()).strip():
                element.append(paragraph)
        rewritten += 1
    return rewritten


def _segment_has_text(segment: list[HtmlElement | str]) -> bool:
    return any((part if isinstance(part, str) else _ALL_TEXT(part)).strip() for part in segment)


# --- line-level cleaning -------------------------------------------------------------------

_DROP_LINE = [
    # Reading Time WP ("Temps de lecture : 2 minutes"), Jannah ("2 minutes read"), Arabic labels.
    r"(temps|durée) (de|estimée de) lecture\s*:?\s*\d+\s*(min|minutes?)\.?",
    r"(reading time|read time)\s*:?\s*\d+\s*(min|minutes?)\.?",
    r"\d+\s*(min|minutes?) (read|de lecture)",
    r"(مدة|وقت) القراءة\s*:?\s*\d+\s*(دقيقة|دقائق|د)?",
    # Aggregator notes (maghress "Publié dans L'opinion le 26 - 01 - 2021", "نشر في … يوم").
    r"publié dans .{1,80}? le \d{1,2}\s*-\s*\d{1,2}\s*-\s*\d{4}",
    r"نشر في .{1,80}? يوم \d{1,2}\s*-\s*\d{1,2}\s*-\s*\d{4}",
    r"cliquez ici pour lire l'article (depuis|sur) (sa|la) source\.?",
    r"(اضغط|انقر) هنا لقراءة (الخبر|المقال) من مصدره\.?",
    # Report-an-ad widget ("Merci d'avoir signalé!" / "Cette image sera automatiquement bloquée…").
    r"merci d'avoir signalé\s*!?",
    r"cette image sera automatiquement bloquée.*",
    r"أبلغ عن إشهار غير لائق",
    # Comment and newsletter prompts when they leak as plain lines.
    r"(laissez|laisser)(-nous)? (un|vos|votre) commentaires?\.?",
    r"(leave a (reply|comment))\.?",
    # A comment section's heading or counter left alone on its line ("Comments", "12 comments"):
    # 9 such lines in our ScrapingHub and WCXB bodies, none in the truth; the two that the
    # truth keeps end with punctuation ("Comments?") and stay.
    r"\d*\s*(comments?|comentários?|commentaires?|kommentare?|تعليقات|التعليقات)",
    r"votre adresse (e-?mail|de messagerie) ne sera pas publiée.*",
    r"et sur nos réseaux sociaux\s*:?",
    r"(partager|partagez|share)( (sur|on|cet article|this))?\s*:?\s*(facebook|twitter|x|whatsapp"
    r"|linkedin|telegram|email|\s|,)*",
    r"(facebook|twitter|whatsapp|linkedin|telegram|messenger|pinterest|email|print|imprimer)"
    r"(\s+(facebook|twitter|whatsapp|linkedin|telegram|messenger|pinterest|email|print|imprimer))*",
]
_DROP_LINE_RE = re.compile(r"^\s*(?:" + "|".join(_DROP_LINE) + r")\s*$", re.IGNORECASE)
# A newsletter teaser line is short and says so; a long paragraph mentioning a newsletter is prose.
_NEWSLETTER = re.compile(r"\bnewsletter\b|inscri(vez|ption)|abonnez-vous", re.IGNORECASE)
# "Follow us on …" / "follow her on Twitter @…": the outlet's or the author's social accounts,
# in a short line at the article's end. On ScrapingHub and WCXB our bodies held 13 such lines
# of up to 35 words, none in the truth; one 40-word closing paragraph that the truth keeps
# (asking readers to join a Slack, then to follow the author) is longer.
_FOLLOW = re.compile(r"\b(follow (us|him|her|me|them) (on|@)|suivez-(nous|moi) sur|síguenos en"
                     r"|folge (uns|mir) auf)|تابعونا (على|عبر)", re.IGNORECASE)
FOLLOW_MAX_WORDS = 35

# Tweet embed footer: "— Maroc Diplomatie 🇲🇦 (@MarocDiplomatie) January 30, 2024", possibly glued
# to the tweet text, and the photo link "pic.twitter.com/…" / "https://t.co/…" before it.
_TWEET_FOOTER = re.compile(
    r"\s*[—–-]{1,2}\s*[^\n()]{0,80}\(@\w{1,20}\)\s*"
    r"(?:[A-Z][a-z]+\.? \d{1,2}, \d{4}|\d{1,2} [a-zéû]+\.? \d{4})?\s*$"
)
_TWEET_LINKS_TAIL = re.compile(r"(?:\s*(?:https?://t\.co/\w+|pic\.twitter\.com/\w+))+\s*$")
_HAS_WORD = re.compile(r"\w{2,}")


def clean_paragraph(line: str) -> str:
    """One line with embed tails removed; "" when the whole line is furniture."""
    line = " ".join(line.split())
    if not line or _DROP_LINE_RE.match(line):
        return ""
    # Both patterns need these literals; testing for them first spares the two unanchored
    # searches (tens of microseconds per paragraph) on the lines that cannot match.
    if "(@" in line:
        line = _TWEET_FOOTER.sub("", line)
    if "t.co/" in line or "pic.twitter.com/" in line:
        line = _TWEET_LINKS_TAIL.sub("", line)
    line = line.strip()
    words = len(line.split())
    if (words <= 12 and _NEWSLETTER.search(line)) or (
            words <= FOLLOW_MAX_WORDS and _FOLLOW.search(line)):
        return ""
    if not _HAS_WORD.search(line) or _DROP_LINE_RE.match(line):
        return ""
    return line


def clean_paragraphs(lines: Iterable[str]) -> list[str]:
    """Cleaned, non-empty paragraphs in order."""
    return [p for p in (clean_paragraph(line) for line in lines) if p]


# --- learned per-outlet boilerplate --------------------------------------------------------

_PUNCT_DIGITS = re.compile(r"[\W\d_]+", re.UNICODE)


def block_fingerprint(block: str) -> str:
    """A short, stable key for a text block: case, accents, digits and punctuation ignored.

    Digits are ignored so that "Temps de lecture : 2 minutes" and "… : 3 minutes", or a footer with
    the current year, share one key.
    """
    text = unicodedata.normalize("NFKD", block.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = " ".join(_PUNCT_DIGITS.sub(" ", text).split())
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def learn_boilerplate(
    pages_text_blocks: Iterable[Sequence[str]], min_share: float = 0.5, min_pages: int = 4
) -> frozenset[str]:
    """Fingerprints of blocks that recur on at least ``min_share`` of an outlet's pages.

    Args:
        pages_text_blocks: for each page of one outlet, its text blocks (paragraphs or lines).
        min_share: fraction of pages a block must appear on to count as furniture.
        min_pages: below this many pages nothing is learned (one article quoted twice is not
            furniture).

    Returns:
        A frozen set of ``block_fingerprint`` values, to pass to ``extract_article(learned=...)``.
    """
    return learn_from_fingerprints(
        ({block_fingerprint(b) for b in blocks if b.strip()} for blocks in pages_text_blocks),
        min_share=min_share, min_pages=min_pages,
    )


def learn_from_fingerprints(
    pages_fingerprints: Iterable[Set[str]], min_share: float = 0.5, min_pages: int = 4
) -> frozenset[str]:
    """``learn_boilerplate`` on pages already reduced to their sets of block fingerprints.

    The counting half of learning, separate so that the per-page half (``page_fingerprints``)
    can run in the extraction pool's workers and only these small sets come back.
    """
    counts: Counter[str] = Counter()
    pages = 0
    for fingerprints in pages_fingerprints:
        pages += 1
        counts.update(fingerprints)
    if pages < min_pages:
        return frozenset()
    threshold = max(2, min_share * pages)
    return frozenset(key for key, n in counts.items() if n >= threshold)


def drop_learned(
    paragraphs: Sequence[str], learned: frozenset[str], title: str | None
) -> list[str]:
    """Drop paragraphs whose fingerprint is learned furniture unless title words dominate them.

    The title exception keeps a recurring block that is really this page's own (a standfirst that
    repeats the headline, say).
    """
    if not learned:
        return list(paragraphs)
    title_words = set(_words(title or ""))
    kept = []
    for paragraph in paragraphs:
        if block_fingerprint(paragraph) in learned:
            words = _words(paragraph)
            if not words or sum(w in title_words for w in words) / len(words) < 0.6:
                continue
        kept.append(paragraph)
    return kept


def _words(text: str) -> list[str]:
    return [w for w in _PUNCT_DIGITS.sub(" ", text.casefold()).split() if len(w) > 2]


# Leaf blocks whose text is compared across pages. A block with a block-level child is not a
# leaf: its children are compared instead (the article wrapper never recurs, its widgets do).
_LEAF_BLOCKS = ("p", "div", "li", "td", "dd", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
                "section", "span", "figcaption", "header")
_BLOCK_CHILDREN = _BLOCK_TAGS | {"li", "td", "dd", "dl", "tr", "tbody", "header", "figcaption"}


def page_blocks(body: bytes, headers: Mapping[str, str] | None = None) -> list[str]:
    """The text blocks of one raw page, as ``learn_boilerplate`` compares them.

    The page goes through the same structural cleaning as extraction (furniture that a rule
    already drops need not be learned), then every leaf block gives one block of text.

    Args:
        body: response body as sent (any encoding).
        headers: response headers (charset).

    Returns:
        Whitespace-normalised text blocks in document order; [] for an unparseable page.
    """
    from transforms.decode import decode_html  # no cycle: decode imports nothing of ours

    text, _encoding = decode_html(body, headers)
    root = parse_page(text) if text.strip() else None
    if root is None:
        return []
    remove_boilerplate_nodes(root)
    paragraphs_from_breaks(root)
    blocks = []
    for element in root.iter(*_LEAF_BLOCKS):
        if any(isinstance(c.tag, str) and c.tag in _BLOCK_CHILDREN for c in element):
            continue
        block = " ".join(" ".join(element.itertext()).split())
        if _HAS_WORD.search(block):
            blocks.append(block)
    return blocks


# A night's pages of one outlet: furniture is on half of them, and fewer than six teach nothing.
LEARN_MIN_SHARE = 0.5
LEARN_MIN_PAGES = 6


def learn_from_pages(
    bodies: Iterable[bytes],
    *,
    headers: Iterable[Mapping[str, str] | None] | None = None,
    min_share: float = LEARN_MIN_SHARE,
    min_pages: int = LEARN_MIN_PAGES,
) -> frozenset[str]:
    """Learn one outlet's boilerplate from a batch of its raw pages.

    A text block that recurs on at least ``min_share`` of the pages is furniture: a newsletter
    teaser, a "follow us" line, a theme's promo box that no rule names. Pass the night's HTML
    pages of one outlet, plus stored pages of earlier nights when the night is small (fewer than
    ``min_pages`` pages learns nothing). Pure: same pages, same result, in any order.

    Args:
        bodies: raw response bodies of one outlet (non-HTML bodies simply yield no blocks).
        headers: response headers, parallel to ``bodies`` (for the charset); optional.
        min_share: fraction of the pages a block must appear on.
        min_pages: below this many distinct pages nothing is learned.

    Returns:
        Fingerprints to pass as ``extract_article(..., learned=...)`` for every page of the
        outlet; ``drop_learned`` still keeps a recurring block made of the page's title words.
    """
    header_list = list(headers) if headers is not None else None
    seen: set[str] = set()
    per_page: list[frozenset[str]] = []
    for i, body in enumerate(bodies):
        digest = page_digest(body)
        if digest in seen:  # the same page fetched twice (AMP, tracking copies) counts once
            continue
        seen.add(digest)
        page_headers = header_list[i] if header_list is not None else None
        per_page.append(page_fingerprints(body, page_headers))
    return learn_from_fingerprints(per_page, min_share=min_share, min_pages=min_pages)


def page_digest(body: bytes) -> str:
    """The identity of a raw body: learning counts identical bodies once."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def page_fingerprints(body: bytes, headers: Mapping[str, str] | None = None) -> frozenset[str]:
    """The fingerprints of one raw page's text blocks: what learning counts per page."""
    return frozenset(block_fingerprint(b) for b in page_blocks(body, headers) if b.strip())
