"""Article metadata from the *original* parsed page (before boilerplate removal).

Structured sources are trusted first because themes print them for search engines and they are
exact: JSON-LD (Yoast, Jannah's ``tie-schema-json``), Open Graph / ``article:*`` metas, microdata,
then visible markup (h1, bylines, ``time[datetime]``). trafilatura's own guesses are the caller's
last resort.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from datetime import datetime, time
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from htmldate import find_date
from lxml.etree import Element, XPath
from lxml.html import HtmlElement

from khabar.urls import article_url
from transforms import authors as authors_
from transforms import themes
from transforms.authors import letters as _letters
from transforms.authors import split_authors

_ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "report",
}


def _text(element: HtmlElement | None) -> str:
    if element is None:
        return ""
    return " ".join(" ".join(element.itertext()).split())


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = " ".join(value.split())
        if value and value.casefold() not in {v.casefold() for v in seen}:
            seen[value] = None
    return list(seen)


# --- structured sources --------------------------------------------------------------------


def unescape(text: str) -> str:
    """HTML entities decoded, twice-escaped ones too ("&amp;#x26;" → "&"); cheap without "&"."""
    for _ in range(3):
        if "&" not in text:
            break
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


def _unescaped(value: Any) -> Any:
    """``value`` with every string HTML-unescaped, in dicts and lists too."""
    if isinstance(value, str):
        return unescape(value)
    if isinstance(value, list):
        return [_unescaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _unescaped(v) for k, v in value.items()}
    return value


def json_ld(root: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, ``@graph`` members flattened; bad JSON is skipped.

    Strings are HTML-unescaped: CMSs (WordPress's Yoast among them) write the headline, names
    and descriptions as they store them, "&amp;", "&#8211;", "&ouml;" included, and JSON does
    not decode entities.
    """
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            found.append(node)
            if "@graph" in node:
                walk(node["@graph"])

    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            walk(_unescaped(json.loads(script.text.strip())))
        except ValueError:
            continue
    return found


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds}


def ld_article(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The page's Article-like JSON-LD object, or an empty dict."""
    for node in objects:
        if _types(node) & _ARTICLE_TYPES:
            return node
    return {}


def metas(root: HtmlElement) -> dict[str, str]:
    """``<meta>`` values by lower-case ``property``/``name``/``itemprop``; the first one wins.

    The parser decodes the attribute once; a value still holding an entity was escaped twice
    (``content="A &amp;#8211; B"``, as some SEO plugins write it) and is decoded again.
    """
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and content.strip():
            value = unescape(content)
            found.setdefault(key.strip().lower(), " ".join(value.split()))
    return found


def has_article_signals(root: HtmlElement, meta: dict[str, str], ld: dict[str, Any]) -> bool:
    """True when the page declares itself an article (og:type, article:* metas, JSON-LD)."""
    if ld or meta.get("og:type", "").lower() == "article" or "article:published_time" in meta:
        return True
    return any("article" in (e.get("itemtype") or "").lower() for e in root.iter("article"))


# --- fields --------------------------------------------------------------------------------

_TITLE_SEPARATORS = re.compile(r"\s+[-|–—»:]\s+")


# What separates a headline from the site's name in SEO titles: a dash or colon between spaces,
# or a bar, bullet or guillemet with or without them ("Long-Distance" is one word).
_SITE_SEPARATOR = re.compile(r"\s+[-–—:]\s+|\s*[|•·»]\s*|\s+[–—]\s*")


def _is_site_part(part: str, site_keys: Iterable[str]) -> bool:
    """Whether a title part names the site: its letters equal a site name's, or one begins the
    other for names of four letters or more ("Le360" / "le360.ma", "Hespress Français" /
    "Hespress Français - Actualités du Maroc")."""
    key = _letters(part)
    if not key:
        return False
    return any(key == site or (len(key) >= 4 and len(site) >= 4
                               and (site.startswith(key) or key.startswith(site)))
               for site in site_keys)


def _strip_site(title: str, site_keys: Iterable[str]) -> str:
    """``title`` without a leading or trailing site name ("T - Site", "Site | T")."""
    keys = list(site_keys)
    separators = list(_SITE_SEPARATOR.finditer(title))
    if not separators or not keys:
        return title
    last, first = separators[-1], separators[0]
    if _is_site_part(title[last.end():], keys) and title[: last.start()].strip():
        return title[: last.start()].strip()
    if _is_site_part(title[: first.start()], keys) and title[first.end():].strip():
        return title[first.end():].strip()
    return title


def _tokens(text: str) -> set[str]:
    return {t.casefold() for t in _WORD.findall(text)}


_WORD = re.compile(r"\w+")
# A visible h1 is the headline when its words and a structured title's overlap this much (Dice
# coefficient of their word sets). On WCXB's 793 dev articles the visible h1 is the annotated
# title on 663 pages and og:title on 380: SEO titles reword the headline ("Top 10 Health and
# Nutrition Trends to Watch" / "Health And Nutrition Trends For 2026", 0.57), while the h1 of a
# blog's logo shares no word with the post's title.
_H1_MIN_SIMILARITY = 0.5
# Longer h1s are paragraphs some themes mark up as h1, not headlines.
_H1_MAX_CHARS = 300


def _similarity(a: str, b: str) -> float:
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return 0.0
    return 2 * len(ta & tb) / (len(ta) + len(tb))


def site_names(
    meta: dict[str, str], ld_objects: Iterable[dict[str, Any]] = (), url: str = ""
) -> list[str]:
    """Names the site goes by: og:site_name, application-name, JSON-LD publisher, WebSite and
    Organization names, and its domain ("usatoday.com" and "usatoday")."""
    names = [meta.get("og:site_name", ""), meta.get("application-name", "")]
    domain = _site(urlsplit(url).hostname or "") if url else ""
    if domain:
        names += [domain, domain.split(".")[0]]
    for node in ld_objects:
        kinds = _types(node)
        if kinds & {"website", "organization", "newsmediaorganization"}:
            names.append(str(node.get("name") or ""))
        publisher = node.get("publisher")
        if isinstance(publisher, dict):
            names.append(str(publisher.get("name") or ""))
    return _unique(n for n in names if n.strip())


def title(
    root: HtmlElement, meta: dict[str, str], ld: dict[str, Any], sites: Iterable[str] = ()
) -> str | None:
    """The headline as the reader sees it, without the " - Site" suffix SEO titles carry.

    The visible h1 wins when it is the headline: when it extends or is extended by a structured
    title (JSON-LD headline, og:title, twitter:title, <title>) or shares most of its words with
    one (``_H1_MIN_SIMILARITY``); of several h1s, the most similar. Otherwise (an h1 that is the
    site's logo, no h1) the JSON-LD headline, og:title, twitter:title, the h1, then <title>.
    """
    site_keys = _site_keys(meta, sites)
    title_tag = _text(root.find(".//title"))
    candidates = [
        str(ld.get("headline") or ""),
        meta.get("og:title", ""),
        meta.get("twitter:title", ""),
    ]
    candidates = [_strip_site(" ".join(c.split()), site_keys) for c in candidates if c.strip()]
    references = [*candidates, _strip_site(title_tag, site_keys)] if title_tag else candidates
    h1s = [h for h in (_text(e) for e in root.iter("h1"))
           if h and len(h) <= _H1_MAX_CHARS and _letters(h) not in site_keys]
    best, best_score = None, 0.0
    for h1 in h1s:
        score = max(
            (1.0 if c.startswith(h1) or h1.startswith(c) else _similarity(h1, c)
             for c in references),
            default=0.0,
        )
        if score > best_score:
            best, best_score = h1, score
    if best is not None and (best_score >= _H1_MIN_SIMILARITY or not references):
        return best
    if candidates:
        return candidates[0]
    if h1s:
        return h1s[0]
    if title_tag:
        stripped = _strip_site(title_tag, site_keys)
        if stripped == title_tag:
            parts = _TITLE_SEPARATORS.split(title_tag)
            stripped = max(parts, key=len) if len(parts) > 1 else title_tag
        return stripped
    return None


# Standfirst classes: general ones (French "chapo"/"chapeau", "standfirst") and the themes' own
# (``transforms/themes/``: tagDiv, JNews, Jannah), read with a regex over each element's class in
# a Python walk: libxml2's XPath string functions are slow, an XPath of eleven contains() tests
# cost four times as much, one of four 30 % more.
_SUBTITLE_CLASS = re.compile("|".join((
    "post_subtitle", "post-subtitle", "article-subtitle", "chapo", "chapeau", "standfirst",
    "articlesubtitle", *themes.subtitle_classes(),
)))
def _subtitle_hint(classes: str) -> bool:
    return ("ubtitle" in classes or "ub-title" in classes or "chap" in classes
            or "standfirst" in classes)


def subtitle(root: HtmlElement) -> str | None:
    """The standfirst under the headline, when the theme marks one."""
    for element in root.iterdescendants(Element):
        classes = element.get("class")
        # Substring tests first: every standfirst class holds one, and they cost a fifth of
        # the regex's ten alternatives on the other classes.
        if classes and _subtitle_hint(classes) and _SUBTITLE_CLASS.search(classes):
            text = _text(element)
            if text:
                return text
    return None


def authors(
    root: HtmlElement, meta: dict[str, str], ld: dict[str, Any], sites: Iterable[str] = ()
) -> list[str]:
    """Author names, most reliable source first, site names dropped (``transforms.authors``)."""
    return authors_.authors(root, meta, ld, _site_keys(meta, sites))


def fallback_authors(raw: str) -> list[str]:
    """trafilatura's "A; B" author guess as names (cleaned and cut as ours are)."""
    return authors_.unique(name for part in raw.split(";") for name in split_authors(part))


def _site_keys(meta: dict[str, str], sites: Iterable[str]) -> set[str]:
    return {_letters(s) for s in (*sites, *site_names(meta))} - {""}


_DMY = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$")


def parse_datetime(value: str | None, timezone: str) -> datetime | None:
    """ISO 8601 (with or without offset or time) or D-M-YYYY → aware datetime.

    Naive values are local time of the outlet (``timezone``), not UTC: Moroccan sites print
    wall-clock times.
    """
    if not value:
        return None
    value = value.strip()
    match = _DMY.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            parsed = datetime(year, month, day)
        except ValueError:
            return None
    else:
        candidate = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value.replace(" ", "T", 1))
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed


_DATE_ELEMENTS = XPath(".//time[@datetime] | .//*[@itemprop='datePublished']")


def dates(
    root: HtmlElement, meta: dict[str, str], ld: dict[str, Any], timezone: str
) -> tuple[datetime | None, datetime | None]:
    """(published, modified) from JSON-LD, article:* metas, microdata, then time[datetime]."""
    published = (
        parse_datetime(str(ld.get("datePublished") or ""), timezone)
        or parse_datetime(meta.get("article:published_time"), timezone)
        or parse_datetime(meta.get("og:published_time"), timezone)
        or parse_datetime(meta.get("datepublished"), timezone)
        or parse_datetime(meta.get("date"), timezone)
    )
    if published is None:
        for element in _DATE_ELEMENTS(root):
            published = parse_datetime(element.get("datetime") or element.get("content"), timezone)
            if published:
                break
    modified = (
        parse_datetime(str(ld.get("dateModified") or ""), timezone)
        or parse_datetime(meta.get("article:modified_time"), timezone)
        or parse_datetime(meta.get("og:updated_time"), timezone)
        or parse_datetime(meta.get("datemodified"), timezone)
    )
    return published, modified


def page_published(objects: list[dict[str, Any]], timezone: str) -> datetime | None:
    """The datePublished of the page's JSON-LD WebPage node (Yoast writes one on every page,
    an Article node only where the theme declares it), or None.

    Weaker than an Article's (``dates``): on a page whose header shows a date it disagreed with
    the annotated one as often as it agreed, so ``page_metadata.settle_published`` takes it
    only for an article with no other date, before htmldate (which there read the page's
    ``article:modified_time``: on WCXB's dev articles 2 pages right, none wrong).
    """
    for node in objects:
        if "webpage" in _types(node):
            found = parse_datetime(str(node.get("datePublished") or ""), timezone)
            if found is not None:
                return found
    return None


def open_graph_published(meta: dict[str, str]) -> bool:
    """Whether the page declares its publication date in Open Graph (``article:published_time``,
    or the ``og:published_time`` some themes write): the date link previews and feed readers
    take, so the publisher stands behind it (``dates.choose``)."""
    return bool(meta.get("article:published_time") or meta.get("og:published_time"))


def visible_date(page: HtmlElement | str, url: str | None = None) -> str | None:
    """The publication date the page shows without machine-readable markup ("Posted on
    December 18, 2025" in a byline, a date in the URL), as "YYYY-MM-DD", or None.

    htmldate in fast mode (its markup and URL rules, no free-text search) on the untouched page (its
    source, or a tree, which htmldate copies): the furniture removal that precedes trafilatura's own
    pass deletes the byline and meta lines where these dates sit. The caller
    (``page_metadata.settle_published``) asks only for article-like pages without a declared or
    shown date (on a listing it would be the newest teaser's); on WCXB's 793 dev articles it gives
    32 exact dates the other sources do not. Its extensive (free-text) search is not used: it filled
    24 more correctly and 6 wrongly, dated 20 more of the 134 pages whose annotators found no date,
    and made extraction 17-30 % slower on that corpus.
    """
    found = find_date(page, extensive_search=False, original_date=True, url=url)
    # January 1st is htmldate's answer for a bare year (a copyright line), not a day.
    return None if found is None or found.endswith("-01-01") else found


def _ld_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v]
    if isinstance(value, str):
        return [v for v in value.split(",")]
    return []


# rel=category links (WordPress's the_category()), then the themes' section labels.
_CATEGORY_LINKS = XPath(" | ".join((
    ".//a[contains(concat(' ', @rel, ' '), ' category ')]", *themes.category_links(),
)))


def categories(root: HtmlElement, meta: dict[str, str], ld: dict[str, Any]) -> list[str]:
    """Sections: JSON-LD articleSection, article:section, rel=category links, theme labels."""
    found = _ld_list(ld.get("articleSection"))
    found += [v for k, v in meta.items() if k == "article:section"]
    found += [_text(a) for a in _CATEGORY_LINKS(root)]
    return _unique(found)


_TAG_METAS = XPath(".//meta[@property='article:tag']")
_TAG_LINKS = XPath(".//a[@rel='tag']")
_HREF_LINKS = XPath(".//a[@href]")


def tags(root: HtmlElement, ld: dict[str, Any]) -> list[str]:
    """Keywords: article:tag metas (all of them), JSON-LD keywords, rel=tag links."""
    found = [m.get("content", "") for m in _TAG_METAS(root)]
    found += _ld_list(ld.get("keywords"))
    found += [_text(a) for a in _TAG_LINKS(root)]
    if not found:
        # Themes without rel=tag (hespress: section.box-tags > a.tag_post_tag) still link each
        # tag to its /tag/<slug> page; sidebar tag clouds are not the article's tags.
        found = [_text(a) for a in _HREF_LINKS(root)
                 if _TAG_HREF.search(a.get("href", "")) and not _in_sidebar(a)]
    return _unique(found)


_TAG_HREF = re.compile(r"/(tags?|mots?-cles?|etiquettes?)/[^/?#]+/?$", re.IGNORECASE)
_SIDEBAR = re.compile(r"sidebar|widget|footer|menu|cloud-widget", re.IGNORECASE)


def _in_sidebar(element: HtmlElement) -> bool:
    for node in element.iterancestors():
        if node.tag in {"aside", "nav", "footer"}:
            return True
        if _SIDEBAR.search((node.get("class") or "") + " " + (node.get("id") or "")):
            return True
    return False


# trafilatura's description metas (``METANAME_DESCRIPTION``), Open Graph first.
_DESCRIPTION_METAS = (
    "og:description", "description", "twitter:description", "dc.description", "dc:description",
    "dcterms.description", "dcterms.abstract", "sailthru.description",
)


def description(meta: dict[str, str]) -> str | None:
    """The page summary its metas give (``itemprop=description`` counts as "description")."""
    return next((meta[name] for name in _DESCRIPTION_METAS if meta.get(name)), None)


def image(meta: dict[str, str], ld: dict[str, Any], base: str) -> str | None:
    """Lead image URL, absolute."""
    value: Any = meta.get("og:image") or meta.get("twitter:image") or ld.get("image")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return urljoin(base, str(value)) if value else None


def html_language(root: HtmlElement, meta: dict[str, str]) -> str | None:
    """ISO 639-1 from ``<html lang>`` or og:locale ("fr-FR" / "fr_FR" → "fr")."""
    raw = root.get("lang") or meta.get("og:locale") or meta.get("content-language") or ""
    code = re.split(r"[-_]", raw.strip().lower())[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


# --- canonical URL -------------------------------------------------------------------------

def _site(host: str) -> str:
    labels = host.lower().removeprefix("www.").split(".")
    return ".".join(labels[-2:])


def canonical_url(root: HtmlElement, meta: dict[str, str], url: str) -> str:
    """rel=canonical or og:url when it points to the same site, else ``url``; always in the
    stored form (``khabar.urls.article_url``).

    A canonical on another site (syndication partners, a CMS misconfigured to its staging host)
    would merge this page with someone else's article, so it is ignored.
    """
    own = _site(urlsplit(url).hostname or "")
    declared = [
        link.get("href", "")
        for link in root.iter("link")
        if "canonical" in (link.get("rel") or "").lower().split()
    ]
    declared.append(meta.get("og:url", ""))
    for candidate in declared:
        if not candidate.strip():
            continue
        absolute = urljoin(url, candidate.strip())
        parts = urlsplit(absolute)
        if parts.scheme in {"http", "https"} and _site(parts.hostname or "") == own:
            return article_url(absolute)
    return article_url(url)


# --- aggregator copies ---------------------------------------------------------------------

_REPUBLISHED = re.compile(
    r"(?:Publié dans|Publiée? dans|نشر في)\s+(?P<outlet>.{1,80}?)\s+(?:le|يوم)\s+"
    r"(?P<d>\d{1,2})\s*-\s*(?P<m>\d{1,2})\s*-\s*(?P<y>\d{4})"
)
_REPUBLISHED_HINT = re.compile(r"Publi[ée]e?\s*dans|نشر\s*في")
_SOURCE_LINK = re.compile(
    r"lire l'article (?:depuis|sur) (?:sa|la) source|article original|source originale"
    r"|read the (?:full|original) article|لقراءة (?:الخبر|المقال) من مصدره",
    re.IGNORECASE,
)


def republished(
    root: HtmlElement, url: str, timezone: str, *, aggregator: bool = False
) -> dict[str, Any]:
    """Aggregator note fields: original_outlet, original_published_at, original_url.

    Maghress prints "Publié dans L'opinion le 26 - 01 - 2021" and a "Cliquez ici pour lire
    l'article depuis sa source." link to the original; both are read from the untouched page.
    They count on an ``aggregator`` outlet or when the note names an outlet; otherwise the
    result is empty (a "source" link alone on an ordinary article means nothing).
    """
    found: dict[str, Any] = {}
    body = root.find("body")
    node = body if body is not None else root
    # Each word of the note lies inside one text node, so the cheap concatenation of all text
    # (no separators) matches this whenever the normalised page text matches: most pages stop.
    match = None
    if _REPUBLISHED_HINT.search(node.text_content()):
        page_text = " ".join(" ".join(t for t in node.itertext() if t.strip()).split())
        match = _REPUBLISHED.search(page_text)
    if match:
        found["original_outlet"] = match.group("outlet").strip()
        day, month, year = match.group("d"), match.group("m"), match.group("y")
        published = parse_datetime(f"{day}-{month}-{year}", timezone)
        if published is not None:
            found["original_published_at"] = datetime.combine(
                published.date(), time(0), tzinfo=published.tzinfo
            )
    elif not aggregator:
        return found
    for link in root.iter("a"):
        href = link.get("href")
        if href and _SOURCE_LINK.search(_text(link)):
            found["original_url"] = urljoin(url, href.strip())
            break
    return found
