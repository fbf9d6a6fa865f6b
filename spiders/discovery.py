"""Discovery parsing: robots.txt, sitemaps, feeds and listing pages → candidate links.

Plain functions over bytes, testable without a crawler; the spider (``spiders/news.py``) is a
thin adapter that fetches and calls them. Nothing here filters by outlet: the spider
canonicalises each link, applies the outlet's article patterns and the ``since`` window.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from urllib.parse import urljoin

import lxml.etree
import lxml.html
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.sitemap import sitemap_urls_from_robots

from khabar.dates import parse_date
from khabar.urls import try_canonical_url
from registry import Source

__all__ = [
    "Entry",
    "SitemapDoc",
    "is_recent",
    "listing_entries",
    "listing_links",
    "listing_page_url",
    "parse_date",
    "parse_feed",
    "parse_sitemap",
    "robots_sitemaps",
]

_GZIP_MAGIC = b"\x1f\x8b"
# Sitemaps may be 50 MB uncompressed (sitemaps.org); refuse bombs beyond a generous margin.
_MAX_SITEMAP_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Entry:
    """A link found by discovery, with the dates the source gives for it (if any).

    ``published`` is the best publication date (news sitemap date, feed date, else lastmod);
    ``modified`` is when the source says the page last changed (sitemap ``lastmod``, Atom
    ``updated``): it decides whether an article already stored is fetched again.
    """

    url: str
    published: datetime | None = None
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class SitemapDoc:
    """A parsed sitemap: an index (``entries`` are child sitemaps) or a urlset (pages)."""

    is_index: bool
    entries: list[Entry]


def _xml_parser() -> lxml.etree.XMLParser:
    # No entity expansion, no network: sitemaps and feeds are untrusted input.
    return lxml.etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, remove_comments=True,
        remove_pis=True, huge_tree=False,
    )


def _root(body: bytes) -> lxml.etree._Element | None:
    if body[:2] == _GZIP_MAGIC:
        # A .xml.gz sitemap arrives still compressed when the server did not set
        # Content-Encoding (the usual case), so HttpCompressionMiddleware left it alone.
        body = _gunzip(body)
    try:
        return lxml.etree.fromstring(body.lstrip(), parser=_xml_parser())
    except lxml.etree.XMLSyntaxError:
        return None


def _gunzip(body: bytes) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
        data = stream.read(_MAX_SITEMAP_BYTES + 1)
    if len(data) > _MAX_SITEMAP_BYTES:
        raise ValueError(f"decompressed sitemap exceeds {_MAX_SITEMAP_BYTES} bytes")
    return data


def _local(tag: object) -> str:
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


def _children(elem: lxml.etree._Element, name: str) -> Iterator[lxml.etree._Element]:
    return (child for child in elem if _local(child.tag) == name)


def _text(elem: lxml.etree._Element, *path: str) -> str | None:
    """Text of the first descendant following local names ``path`` (namespace-agnostic)."""
    for name in path:
        found = next(_children(elem, name), None)
        if found is None:
            return None
        elem = found
    text = (elem.text or "").strip()
    return text or None


def is_recent(published: datetime | None, since: date | None, tz: tzinfo) -> bool:
    """True unless ``published`` is known and falls before ``since`` (a day in ``tz``).

    Undated entries are kept: dropping them would lose articles from sources without dates.
    Naive datetimes are taken to be in ``tz``, the outlet's time zone.
    """
    if since is None or published is None:
        return True
    if published.tzinfo is None:
        published = published.replace(tzinfo=tz)
    return published >= datetime.combine(since, time.min, tzinfo=tz)


def robots_sitemaps(body: bytes, base_url: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt body, resolved against ``base_url``."""
    return list(dict.fromkeys(sitemap_urls_from_robots(body, base_url=base_url)))


def parse_sitemap(body: bytes, base_url: str) -> SitemapDoc | None:
    """Parse a sitemap index or urlset, including Google News sitemaps.

    Scrapy's ``scrapy.utils.sitemap.Sitemap`` flattens only the direct children of ``<url>``
    and so loses ``<news:news><news:publication_date>``; this walks one level deeper. The
    date of a page is its news publication date, else its ``lastmod``.

    Args:
        body: the sitemap bytes (gzip-compressed bodies are decompressed).
        base_url: the sitemap's URL, to resolve relative ``<loc>`` values.

    Returns:
        A :class:`SitemapDoc`, or None when the body is not a sitemap.
    """
    root = _root(body)
    if root is None or _local(root.tag) not in {"sitemapindex", "urlset"}:
        return None
    is_index = _local(root.tag) == "sitemapindex"
    entries = []
    for elem in root:
        if _local(elem.tag) not in {"sitemap", "url"}:
            continue
        loc = _text(elem, "loc")
        if not loc:
            continue
        modified = parse_date(_text(elem, "lastmod"))
        published = parse_date(_text(elem, "news", "publication_date")) or modified
        entries.append(Entry(urljoin(base_url, loc), published, modified))
    return SitemapDoc(is_index=is_index, entries=entries)


def parse_feed(body: bytes, base_url: str) -> list[Entry] | None:
    """Items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed: link and publication date.

    Atom entries use their ``rel="alternate"`` (or rel-less) link and ``published``, else
    ``updated``; RSS items use ``link`` (or a permalink ``guid``) and ``pubDate``/``dc:date``.

    Returns:
        The entries in feed order, or None when the body is not a feed.
    """
    root = _root(body)
    if root is None:
        return None
    kind = _local(root.tag)
    if kind == "feed":
        return [e for e in (_atom_entry(x, base_url) for x in _children(root, "entry")) if e]
    if kind == "rss":
        items: Iterable[lxml.etree._Element] = (
            item for channel in _children(root, "channel") for item in _children(channel, "item")
        )
    elif kind == "rdf":
        items = _children(root, "item")
    else:
        return None
    return [e for e in (_rss_item(x, base_url) for x in items) if e]


def _rss_item(item: lxml.etree._Element, base_url: str) -> Entry | None:
    link = _text(item, "link")
    if not link:
        guid = next(_children(item, "guid"), None)
        if guid is not None and guid.get("isPermaLink", "true").lower() == "true" and guid.text:
            link = guid.text.strip()
    if not link:
        return None
    published = parse_date(_text(item, "pubdate")) or parse_date(_text(item, "date"))
    # RSS has no "updated"; WordPress feeds may carry Atom's <atom:updated> per item.
    return Entry(urljoin(base_url, link), published, parse_date(_text(item, "updated")))


def _atom_entry(entry: lxml.etree._Element, base_url: str) -> Entry | None:
    links = [x for x in _children(entry, "link") if x.get("rel", "alternate") == "alternate"]
    href = links[0].get("href") if links else None
    if not href:
        return None
    updated = parse_date(_text(entry, "updated"))
    published = parse_date(_text(entry, "published")) or updated
    return Entry(urljoin(base_url, href.strip()), published, updated)


def listing_links(body: bytes, base_url: str, restrict_css: str | None = None) -> list[str]:
    """Every link of an HTML listing page, absolute, in page order, without repeats.

    Uses Scrapy's ``LinkExtractor`` (honours ``<base href>``, skips ``javascript:`` and
    binary-file links). ``restrict_css`` limits it to the page's list of articles, for sites
    whose every page also carries links we do not want (maghress's ticker of all papers).
    Filtering to article URLs is the caller's job (``Outlet.is_article_url`` after
    ``canonical_url``).
    """
    response = HtmlResponse(url=base_url, body=body)
    extractor = LinkExtractor(unique=True, restrict_css=restrict_css) if restrict_css else _LINKS
    return [link.url for link in extractor.extract_links(response)]


_LINKS = LinkExtractor(unique=True)


def listing_entries(body: bytes, base_url: str, restrict_css: str | None = None) -> list[Entry]:
    """The links of :func:`listing_links`, each with the date its teaser shows, if any.

    A teaser's date is the ``datetime`` attribute of the one ``<time>`` element in the
    smallest enclosing element (up to four levels up) that has ``<time>`` elements; when that
    element holds several different dates (a whole list, not one teaser) the link stays
    undated. Backfill reads these dates to know when pagination has gone past ``since``.
    """
    links = listing_links(body, base_url, restrict_css)
    dates = _teaser_dates(body, base_url)
    return [Entry(url, dates.get(_anchor_key(url))) for url in links]


def listing_dates(entries: Iterable[Entry]) -> list[datetime]:
    """The dates shown on a listing page (for the "older than since" stop of backfill)."""
    return [e.published for e in entries if e.published is not None]


def _anchor_key(url: str) -> str:
    return try_canonical_url(url) or url


_MAX_TEASER_DEPTH = 4


def _teaser_dates(body: bytes, base_url: str) -> dict[str, datetime]:
    try:
        root = lxml.html.fromstring(body) if body.strip() else None
    except (lxml.etree.ParserError, ValueError):  # empty or not HTML
        root = None
    if root is None:
        return {}
    base = root.xpath("string(//base/@href)") or base_url
    base = urljoin(base_url, base)
    found: dict[str, datetime] = {}
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        when = _nearest_time(anchor)
        if when is not None:
            found.setdefault(_anchor_key(urljoin(base, href.strip())), when)
    return found


def _nearest_time(anchor: lxml.html.HtmlElement) -> datetime | None:
    elem = anchor
    for _ in range(_MAX_TEASER_DEPTH):
        elem = elem.getparent()
        if elem is None:
            return None
        values = {t.get("datetime", "").strip() for t in elem.iter("time")} - {""}
        if len(values) == 1:
            return parse_date(values.pop())
        if len(values) > 1:
            return None
    return None


def listing_page_url(source: Source, page: int, max_pages: int | None = None) -> str:
    """URL of page ``page`` (1-based) of a listing source; pages beyond ``max_pages`` (default
    the source's own) or of an unpaginated source raise ValueError.

    Page 1 is the listing's own address (``Source.first_page_url``: ``…/category/x/`` for
    ``…/category/x/page/{page}/``), never ``…/page/1/``, which many sites answer with a 404 or
    a redirect."""
    limit = source.max_pages if max_pages is None or "{page}" not in source.url else max_pages
    if not 1 <= page <= limit:
        raise ValueError(f"page {page} outside 1..{limit} for {source.url}")
    if page == 1:
        return source.first_page_url
    return source.url.replace("{page}", str(page))
