"""The generic news spider: one class, driven by an ``Outlet`` from the registry.

A crawl has two phases. **Discovery** fetches the outlet's sources (robots.txt ``Sitemap:``
lines, sitemaps, feeds, paginated listings) and collects canonical article URLs with the kinds
of source that found them. When discovery is done (the engine goes idle), **fetching** requests
each new article once, newest first, up to ``max_pages``. Waiting for discovery to finish gives
every raw page its complete ``sources`` list and lets the cap pick the newest articles.

Spider arguments (``scrapy crawl <outlet_id> -a name=value``):

* ``run_id``: stamped on every record (default: UTC time, ``20261123T020000Z``);
* ``run_dir``: where the pipeline writes (default ``data/runs/<run_id>``);
* ``since``: ``YYYY-MM-DD``; feed/sitemap entries dated before it (outlet time zone) are skipped;
* ``max_pages``: cap on article pages fetched;
* ``seen_file``: text file of canonical URLs already stored, one a line: never fetched again.

Settings read: none of its own; the outlet's ``politeness`` overrides
``CONCURRENT_REQUESTS_PER_DOMAIN`` and ``DOWNLOAD_DELAY`` at spider priority.
Stats (``crawler.stats``): ``khabar/discovered``, ``khabar/discovered/<kind>``,
``khabar/source/<i>/discovered``, ``khabar/source/<i>/only_here``, ``khabar/skipped/seen``,
``khabar/skipped/old``, ``khabar/skipped/capped``, ``khabar/articles/requested``,
``khabar/errors/<ExceptionClass>``, ``khabar/discovery/unparseable``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from time import monotonic
from typing import Any, ClassVar, Self
from zoneinfo import ZoneInfo

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from registry import Outlet, Source, SourceKind
from spiders.discovery import (
    Entry,
    is_recent,
    listing_links,
    listing_page_url,
    parse_feed,
    parse_sitemap,
    robots_sitemaps,
)
from spiders.rawstore import FetchRecord, RawPage, utc_now_iso
from spiders.urls import try_canonical_url

# Request meta keys (lower_snake, prefixed: they travel with Scrapy's own keys).
META_SOURCE = "khabar_source"  # index of the registry source a discovery request serves
META_PAGE = "khabar_page"  # listing page number
META_SENT_AT = "khabar_sent_at"  # monotonic time the request reached the downloader
META_ARTICLE = "khabar_article"  # canonical URL of an article request


@dataclass(slots=True)
class Discovered:
    """What discovery knows about one article URL."""

    order: int
    sources: set[int] = field(default_factory=set)
    published: datetime | None = None


def default_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def read_seen_file(path: Path | str) -> frozenset[str]:
    """Canonical URLs of a seen file (one a line; blank lines and ``#`` comments skipped)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    urls = (try_canonical_url(line) for line in lines if line.strip()
            and not line.lstrip().startswith("#"))
    return frozenset(url for url in urls if url)


def plan_fetches(
    discovered: dict[str, Discovered], seen: frozenset[str], max_pages: int | None, tz: tzinfo
) -> tuple[list[str], int, int]:
    """Choose the article URLs to fetch: not seen, newest first (undated after dated, then
    in discovery order), at most ``max_pages``.

    Returns:
        (urls to fetch, number skipped as seen, number left out by the cap)
    """
    fresh = [url for url in discovered if url not in seen]

    def newest_first(url: str) -> tuple[int, float, int]:
        found = discovered[url]
        when = found.published
        if when is None:
            return (1, 0.0, found.order)
        when = when if when.tzinfo else when.replace(tzinfo=tz)
        return (0, -when.timestamp(), found.order)

    fresh.sort(key=newest_first)
    chosen = fresh if max_pages is None else fresh[:max_pages]
    return chosen, len(discovered) - len(fresh), len(fresh) - len(chosen)


def source_counts(discovered: dict[str, Discovered], n_sources: int) -> list[tuple[int, int]]:
    """Per source index: (URLs it found, URLs no other source found)."""
    found = [0] * n_sources
    only = [0] * n_sources
    for item in discovered.values():
        for index in item.sources:
            found[index] += 1
        if len(item.sources) == 1:
            only[next(iter(item.sources))] += 1
    return list(zip(found, only, strict=True))


class NewsSpider(Spider):
    """Discovers and fetches one outlet's articles; ``spiders.outlets`` sets ``name`` and
    ``outlet`` per registry entry."""

    outlet: ClassVar[Outlet]

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        politeness = cls.outlet.politeness
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", politeness.concurrency, priority="spider")
        if politeness.delay:
            settings.set("DOWNLOAD_DELAY", politeness.delay, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Bound methods, not lambdas: the dispatcher keeps weak references.
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_reached_downloader,
                                signal=signals.request_reached_downloader)
        return spider

    def __init__(
        self,
        run_dir: str | None = None,
        run_id: str | None = None,
        since: str | None = None,
        max_pages: str | int | None = None,
        seen_file: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.run_id = run_id or default_run_id()
        self.run_dir = Path(run_dir) if run_dir else Path("data") / "runs" / self.run_id
        try:
            self.since = date.fromisoformat(since) if since else None
        except ValueError:
            raise ValueError(f"since must be YYYY-MM-DD, got {since!r}") from None
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        if self.max_pages is not None and self.max_pages < 0:
            raise ValueError(f"max_pages must be >= 0, got {max_pages!r}")
        self.seen = read_seen_file(seen_file) if seen_file else frozenset()
        self.tz = ZoneInfo(self.outlet.timezone)
        self.allowed_domains = list(self.outlet.hosts)
        self.discovered: dict[str, Discovered] = {}
        self._fetching = False

    # -- discovery ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for index, source in enumerate(self.outlet.sources):
            if source.kind is SourceKind.LISTING:
                yield self._listing_request(source, index, page=1)
            else:
                yield self._source_request(source.url, index)

    def _source_request(self, url: str, index: int, **meta: Any) -> Request:
        callback = {
            SourceKind.ROBOTS: self.parse_robots,
            SourceKind.FEED: self.parse_feed,
            SourceKind.SITEMAP: self.parse_sitemap,
            SourceKind.NEWS_SITEMAP: self.parse_sitemap,
            SourceKind.LISTING: self.parse_listing,
        }[self.outlet.sources[index].kind]
        return Request(url, callback=callback, errback=self.on_error,
                       meta={META_SOURCE: index, **meta})

    def _listing_request(self, source: Source, index: int, page: int) -> Request:
        return self._source_request(listing_page_url(source, page), index, **{META_PAGE: page})

    def parse_robots(self, response: Response) -> Iterator[Any]:
        yield self.fetch_record(response)
        index = response.meta[META_SOURCE]
        for url in robots_sitemaps(response.body, response.url):
            yield Request(url, callback=self.parse_sitemap, errback=self.on_error,
                          meta={META_SOURCE: index})

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        yield self.fetch_record(response)
        index = response.meta[META_SOURCE]
        doc = parse_sitemap(response.body, response.url)
        if doc is None:
            self._unparseable(response, "sitemap")
            return
        if not doc.is_index:
            self._discover_all(doc.entries, index)
            return
        for child in doc.entries:
            # A child sitemap last modified before ``since`` holds only older pages.
            if is_recent(child.published, self.since, self.tz):
                yield Request(child.url, callback=self.parse_sitemap, errback=self.on_error,
                              meta={META_SOURCE: index})

    def parse_feed(self, response: Response) -> Iterator[Any]:
        yield self.fetch_record(response)
        entries = parse_feed(response.body, response.url)
        if entries is None:
            self._unparseable(response, "feed")
            return
        self._discover_all(entries, response.meta[META_SOURCE])

    def parse_listing(self, response: Response) -> Iterator[Any]:
        yield self.fetch_record(response)
        index = response.meta[META_SOURCE]
        page = response.meta.get(META_PAGE, 1)
        source = self.outlet.sources[index]
        links = listing_links(response.body, response.url, source.links_css)
        new = self._discover_all([Entry(url) for url in links], index)
        # Stop paginating at the first page that adds nothing for this source.
        if new and page < source.max_pages:
            yield self._listing_request(source, index, page + 1)

    def _discover_all(self, entries: Iterable[Entry], index: int) -> int:
        return sum(self.discover(entry, index) for entry in entries)

    def discover(self, entry: Entry, index: int) -> bool:
        """Record an entry of source ``index`` if it is a recent article URL.

        Returns:
            True when the URL is new for this source.
        """
        url = try_canonical_url(entry.url)
        if url is None or not self.outlet.is_article_url(url):
            return False
        stats = self.crawler.stats
        if not is_recent(entry.published, self.since, self.tz):
            stats.inc_value("khabar/skipped/old")
            return False
        found = self.discovered.get(url)
        if found is None:
            found = self.discovered[url] = Discovered(order=len(self.discovered))
            stats.inc_value("khabar/discovered")
        if index in found.sources:
            return False
        found.sources.add(index)
        found.published = found.published or entry.published
        stats.inc_value(f"khabar/discovered/{self.outlet.sources[index].kind}")
        return True

    def _unparseable(self, response: Response, what: str) -> None:
        self.crawler.stats.inc_value("khabar/discovery/unparseable")
        self.logger.warning("Not a %s: %s", what, response.url)

    # -- fetching ----------------------------------------------------------------------------

    def on_idle(self) -> None:
        """Discovery is done: schedule the article requests once and keep the spider open."""
        if self._fetching:
            return
        self._fetching = True
        urls, n_seen, n_capped = plan_fetches(self.discovered, self.seen, self.max_pages, self.tz)
        stats = self.crawler.stats
        for index, (found, only) in enumerate(
            source_counts(self.discovered, len(self.outlet.sources))
        ):
            stats.set_value(f"khabar/source/{index}/discovered", found)
            stats.set_value(f"khabar/source/{index}/only_here", only)
        stats.set_value("khabar/skipped/seen", n_seen)
        stats.set_value("khabar/skipped/capped", n_capped)
        stats.set_value("khabar/articles/requested", len(urls))
        self.logger.info("Discovered %d article URLs; fetching %d (%d seen, %d over max_pages)",
                         len(self.discovered), len(urls), n_seen, n_capped)
        for url in urls:
            self.crawler.engine.crawl(
                Request(url, callback=self.parse_article, errback=self.on_error,
                        meta={META_ARTICLE: url})
            )
        if urls:
            raise DontCloseSpider

    def parse_article(self, response: Response) -> Iterator[Any]:
        yield self.fetch_record(response)
        url = response.meta[META_ARTICLE]
        kinds = sorted({self.outlet.sources[i].kind.value for i in self.discovered[url].sources})
        yield RawPage.from_body(
            body=response.body,
            run_id=self.run_id,
            outlet=self.outlet.id,
            url=url,
            final_url=response.url,
            status=response.status,
            headers=response_headers(response),
            fetched_at=utc_now_iso(),
            sources=kinds,
        )

    # -- outcomes ----------------------------------------------------------------------------

    def on_reached_downloader(self, request: Request, spider: Spider) -> None:
        request.meta[META_SENT_AT] = monotonic()

    def fetch_record(self, response: Response) -> FetchRecord:
        return self._record(response.request, response.status, None, len(response.body))

    def on_error(self, failure: Failure) -> Iterator[FetchRecord]:
        request = failure.request  # type: ignore[attr-defined]
        error = type(failure.value).__name__
        self.crawler.stats.inc_value(f"khabar/errors/{error}")
        response = failure.value.response if failure.check(HttpError) else None
        self.logger.info("Fetch failed (%s): %s", error, request.url)
        if response is not None:
            yield self._record(request, response.status, error, len(response.body))
        else:
            yield self._record(request, None, error, 0)

    def _record(self, request: Request | None, status: int | None, error: str | None,
                size: int) -> FetchRecord:
        assert request is not None
        return FetchRecord(
            run_id=self.run_id,
            outlet=self.outlet.id,
            url=request.meta.get("redirect_urls", [request.url])[0],
            status=status,
            error=error,
            bytes=size,
            duration_ms=fetch_duration_ms(request.meta, monotonic()),
            fetched_at=utc_now_iso(),
        )


def fetch_duration_ms(meta: dict[str, Any], now: float) -> int | None:
    """Scrapy's ``download_latency`` (request sent → response headers) when a response came;
    else, for failures, the time since the request reached the downloader (that includes any
    per-domain politeness wait, but a timeout shows as roughly DOWNLOAD_TIMEOUT)."""
    if "download_latency" in meta:
        return round(meta["download_latency"] * 1000)
    if META_SENT_AT in meta:
        return round((now - meta[META_SENT_AT]) * 1000)
    return None


def response_headers(response: Response) -> dict[str, str]:
    """Response headers as ``{lower-case name: last value}`` (latin-1, as HTTP sends them)."""
    return {
        name.decode("latin-1").lower(): values[-1].decode("latin-1")
        for name, values in response.headers.items()
        if values
    }
