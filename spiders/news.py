"""The generic news spider: one class, driven by an ``Outlet`` from the registry.

A crawl has two phases. **Discovery** fetches the outlet's sources (robots.txt ``Sitemap:``
lines, sitemaps, feeds, paginated listings) and collects canonical article URLs with the kinds
of source that found them. When discovery is done (the engine goes idle), **fetching** requests
each new article once, newest first, up to ``max_pages``. Waiting for discovery to finish gives
every raw page its complete ``sources`` list and lets the cap pick the newest articles.

Spider arguments: the flow passes them as one typed object, ``-a crawl_args=<JSON>``
(``khabar.run.crawlargs.CrawlArgs``, which owns their names, types and checks); a person may
type the same fields loose (``scrapy crawl <outlet_id> -a name=value``):

* ``run_id``: stamped on every record (default: UTC time, ``20261123T020000Z``);
* ``run_dir``: where the pipeline writes (default ``<runs dir>/<run_id>``: ``khabar.paths``);
* ``since``: ``YYYY-MM-DD``; feed/sitemap entries dated before it (outlet time zone) are skipped;
* ``until``: ``YYYY-MM-DD``; entries dated after that day are skipped (for backfills);
* ``max_pages``: cap on article pages fetched;
* ``seen_file``: text file of canonical URLs already stored, one a line: never fetched again;
* ``known_file``: JSON ``{canonical URL: last fetched_at}``: stored articles, fetched again only
  when their sitemap ``lastmod`` or feed ``updated`` is newer than the last fetch;
* ``validators_file``: JSON ``{URL: {etag, last_modified, fetched_at}}`` of feeds and sitemaps,
  for conditional GETs (formats of these files in ``khabar/run/state.py``);
* ``backfill``: ``1`` to walk back to ``since`` (required then): no conditional GETs, every
  child sitemap dated on or after ``since``, listing pagination past pages with nothing new
  until a page's dates (``time[datetime]``) are all before ``since`` or the last page;
* ``listing_pages``: number of pages of each paginated listing (default: the registry's
  ``max_pages``);
* ``retry_file``: JSON of article URLs whose fetch failed on earlier nights (format in
  ``khabar/run/state.py``): each is requested again, listed by a source tonight or not;
* ``rediscover``: ``1`` to read every source whole because one failed last night: no
  conditional GETs, every child sitemap, listings followed while their pages list articles;
* ``recheck_file``: JSON of stored article URLs due for a re-check (edits after publication;
  format in ``khabar/run/state.py``): each is requested conditionally with our last fetch's
  validators (a 304 stores nothing), unless a sitemap gave it a ``lastmod`` tonight.

A fetch that gives nothing usable is recorded as failed, so the flow retries it next night:
an empty article page (after one retry in the crawl: ``EmptyResponse``), a feed or sitemap
that does not parse (``UnparseableSource``), a listing page that lists no article
(``EmptyListing``).

A nightly (non-backfill) crawl keeps its cost proportional to what is new: feeds and sitemaps
are requested conditionally (a 304 means nothing new there), a sitemap index's children whose
``lastmod`` is not newer than our last fetch of them are not requested, and a listing stops at
the first page with no article that is new to the warehouse.

Settings read: ``KHABAR_USER_AGENT`` (replaces ``USER_AGENT``), ``AUTOTHROTTLE_START_DELAY``.
Set at spider priority from the outlet's registry entry: ``politeness`` →
``CONCURRENT_REQUESTS_PER_DOMAIN`` (and ``CONCURRENT_REQUESTS`` at most that: see
``update_settings``), ``DOWNLOAD_DELAY`` (and ``AUTOTHROTTLE_START_DELAY`` at least that),
``USER_AGENT`` (``politeness.user_agent`` wins over ``KHABAR_USER_AGENT``);
``allow_private_addresses`` → ``KHABAR_ALLOW_PRIVATE`` (``true``) or
``KHABAR_PRIVATE_NETWORKS`` (a list).
Stats (``crawler.stats``): ``khabar/discovered``, ``khabar/discovered/<kind>``,
``khabar/source/<i>/discovered``, ``khabar/source/<i>/only_here``,
``khabar/source/<i>/read`` (feeds, urlsets and listing pages parsed),
``khabar/source/<i>/not_modified`` (its 304s and skipped child sitemaps: a source with no page
read and some unchanged was not modified tonight, not dead),
``khabar/source/not_modified`` (304s), ``khabar/source/skipped_unchanged`` (child sitemaps not
requested), ``khabar/skipped/seen``, ``khabar/skipped/old``, ``khabar/skipped/after_until``,
``khabar/skipped/capped``, ``khabar/articles/requested``, ``khabar/articles/refetched_updated``,
``khabar/listing/pages``, ``khabar/errors/<ExceptionClass>``, ``khabar/discovery/unparseable``,
``khabar/retry/listed``, ``khabar/retry/requested``, ``khabar/retry/empty_body``,
``khabar/recheck/listed``, ``khabar/recheck/requested``, ``khabar/recheck/skipped_lastmod``,
``khabar/recheck/not_modified``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from time import monotonic
from typing import Any, ClassVar, Self
from zoneinfo import ZoneInfo

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from khabar.paths import default_runs_dir
from khabar.retry import FetchError
from khabar.run.crawlargs import CrawlArgs
from khabar.run.records import FetchRecord, RawPage, utc_now_iso
from khabar.run.state import (
    Validators,
    is_updated,
    read_known_file,
    read_recheck_file,
    read_retry_file,
    read_seen_file,
    read_validators_file,
    validators_from_headers,
)
from khabar.urls import try_canonical_url
from registry import Outlet, Source, SourceKind
from spiders.discovery import (
    Entry,
    is_recent,
    listing_dates,
    listing_entries,
    listing_page_url,
    parse_feed,
    parse_sitemap,
    robots_sitemaps,
)
from spiders.redact import redact_url

__all__ = ["Discovered", "NewsSpider", "plan_fetches", "read_seen_file", "source_counts"]

# Request meta keys (lower_snake, prefixed: they travel with Scrapy's own keys).
META_SOURCE = "khabar_source"  # index of the registry source a discovery request serves
META_PAGE = "khabar_page"  # listing page number
META_SENT_AT = "khabar_sent_at"  # monotonic time the request reached the downloader
META_ARTICLE = "khabar_article"  # canonical URL of an article request
META_CONDITIONAL = "khabar_conditional"  # the key (redacted URL) of a request's validators
META_EMPTY_RETRY = "khabar_empty_retry"  # an article request repeated after an empty 200
META_RECHECK = "khabar_recheck"  # a conditional re-check of a stored article
_CONDITIONAL_KINDS = frozenset({SourceKind.FEED, SourceKind.SITEMAP, SourceKind.NEWS_SITEMAP})


@dataclass(slots=True)
class Discovered:
    """What discovery knows about one article URL."""

    order: int
    sources: set[int] = field(default_factory=set)
    published: datetime | None = None
    modified: datetime | None = None


def default_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def plan_fetches(
    discovered: dict[str, Discovered],
    seen: frozenset[str],
    max_pages: int | None,
    tz: tzinfo,
    known: dict[str, datetime] | None = None,
) -> tuple[list[str], int, int]:
    """Choose the article URLs to fetch: not stored (in ``seen`` or ``known``) unless a source
    says a ``known`` one changed after its last fetch; newest first (undated after dated, then
    in discovery order), at most ``max_pages``.

    Returns:
        (urls to fetch, number skipped as stored, number left out by the cap)
    """
    known = known or {}
    fresh = [url for url in discovered
             if not is_stored(url, seen, known) or is_updated(discovered[url].modified,
                                                              known.get(url))]

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


def is_stored(url: str, seen: frozenset[str], known: dict[str, datetime]) -> bool:
    return url in seen or url in known


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
        # Scrapy 2.19 under the asyncio reactor does not hold a download slot to its concurrency:
        # its downloader starts each download as a task and counts it as transferring only once
        # the task runs, so a slot dispatches every queued request at once and only
        # CONCURRENT_REQUESTS (16) bounds an outlet (measured: 16 in flight with 1 per domain).
        # A crawl process fetches one outlet, so the process-wide cap is the outlet's cap.
        per_outlet = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        if 0 < per_outlet < settings.getint("CONCURRENT_REQUESTS"):
            priority = max(settings.getpriority("CONCURRENT_REQUESTS_PER_DOMAIN") or 0,
                           settings.getpriority("CONCURRENT_REQUESTS") or 0)
            settings.set("CONCURRENT_REQUESTS", per_outlet, priority=priority)
        if politeness.delay:
            settings.set("DOWNLOAD_DELAY", politeness.delay, priority="spider")
            start = max(settings.getfloat("AUTOTHROTTLE_START_DELAY"), politeness.delay)
            settings.set("AUTOTHROTTLE_START_DELAY", start, priority="spider")
        # The outlet's own User-Agent (registry politeness.user_agent) wins over
        # KHABAR_USER_AGENT; robots.txt rules are matched against the one sent.
        user_agent = politeness.user_agent or settings.get("KHABAR_USER_AGENT")
        if user_agent:
            settings.set("USER_AGENT", user_agent, priority="spider")
        # Non-public addresses the outlet may reach (registry allow_private_addresses,
        # spiders/guard.py): all of them, or only the listed networks.
        networks = cls.outlet.private_networks
        if networks is None:
            settings.set("KHABAR_ALLOW_PRIVATE", True, priority="spider")
        elif networks:
            settings.set("KHABAR_PRIVATE_NETWORKS", list(networks), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Bound methods, not lambdas: the dispatcher keeps weak references.
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_reached_downloader,
                                signal=signals.request_reached_downloader)
        return spider

    def __init__(self, crawl_args: str | None = None, **kwargs: Any) -> None:
        args, rest = CrawlArgs.from_spider_kwargs(
            kwargs if crawl_args is None else {**kwargs, "crawl_args": crawl_args})
        super().__init__(**rest)
        self.args = args
        self.run_id = args.run_id or default_run_id()
        self.run_dir = args.run_dir or default_runs_dir() / self.run_id
        self.since, self.until = args.since, args.until
        self.backfill, self.rediscover = args.backfill, args.rediscover
        self.max_pages, self.listing_pages = args.max_pages, args.listing_pages
        self.seen = read_seen_file(args.seen_file) if args.seen_file else frozenset()
        self.known = read_known_file(args.known_file) if args.known_file else {}
        self.validators = (read_validators_file(args.validators_file) if args.validators_file
                           else {})
        self.retry = read_retry_file(args.retry_file) if args.retry_file else {}
        self.recheck = read_recheck_file(args.recheck_file) if args.recheck_file else {}
        self.new_validators: dict[str, Validators] = {}
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
        kind = self.outlet.sources[index].kind
        callback = {
            SourceKind.ROBOTS: self.parse_robots,
            SourceKind.FEED: self.parse_feed,
            SourceKind.SITEMAP: self.parse_sitemap,
            SourceKind.NEWS_SITEMAP: self.parse_sitemap,
            SourceKind.LISTING: self.parse_listing,
        }[kind]
        if kind in _CONDITIONAL_KINDS:
            return self._conditional_request(url, callback, index, **meta)
        return Request(url, callback=callback, errback=self.on_error,
                       meta={META_SOURCE: index, **meta})

    def _conditional_request(self, url: str, callback: Any, index: int, **meta: Any) -> Request:
        """A feed or sitemap request carrying the validators of the last fetch (not in
        backfill, which must read every source whole); 304 reaches the callback."""
        # Validators are kept under the URL with its secrets redacted (the warehouse stores
        # them, analysts read them): a feed's ?token= never leaves the request.
        key = redact_url(url)
        known = None if self.backfill or self.rediscover else self.validators.get(key)
        headers = known.request_headers() if known else {}
        return Request(url, callback=callback, errback=self.on_error, headers=headers,
                       meta={META_SOURCE: index, META_CONDITIONAL: key,
                             "handle_httpstatus_list": [304], **meta})

    def _listing_request(self, source: Source, index: int, page: int) -> Request:
        url = listing_page_url(source, page, self.listing_pages)
        return self._source_request(url, index, **{META_PAGE: page})

    def parse_robots(self, response: Response) -> Iterator[Any]:
        index = response.meta[META_SOURCE]
        sitemaps = robots_sitemaps(response.body, response.url)
        # The registry lists robots.txt for its Sitemap lines: none (an empty body, a bot
        # challenge) is a failed source, read again tomorrow.
        yield (self.fetch_record(response) if sitemaps
               else self._unparseable(response, "robots.txt with Sitemap lines"))
        for url in sitemaps:
            yield self._conditional_request(url, self.parse_sitemap, index)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        if self._not_modified(response):
            yield self.fetch_record(response)
            return
        index = response.meta[META_SOURCE]
        doc = parse_sitemap(response.body, response.url)
        if doc is None:
            yield self._unparseable(response, "sitemap")
            return
        yield self.fetch_record(response)
        if not doc.is_index:
            self.crawler.stats.inc_value(f"khabar/source/{index}/read")
            self._discover_all(doc.entries, index)
            return
        for child in doc.entries:
            # A child sitemap last modified before ``since`` holds only older pages.
            if not is_recent(child.published, self.since, self.tz):
                continue
            if self._unchanged_since_last_fetch(child):
                self.crawler.stats.inc_value("khabar/source/skipped_unchanged")
                self.crawler.stats.inc_value(f"khabar/source/{index}/not_modified")
                continue
            yield self._conditional_request(child.url, self.parse_sitemap, index)

    def _unchanged_since_last_fetch(self, child: Entry) -> bool:
        """A child sitemap whose index ``lastmod`` is not newer than our last fetch of it has
        nothing new: skip it without even a conditional request (not in backfill)."""
        known = self.validators.get(redact_url(child.url))
        if (self.backfill or self.rediscover or known is None or child.modified is None
                or known.fetched is None):
            return False
        return not is_updated(child.modified, known.fetched)

    def _not_modified(self, response: Response) -> bool:
        """Keep the validators of a feed or sitemap response; True for a 304."""
        url = response.meta.get(META_CONDITIONAL)
        if url is None:
            return False
        found = validators_from_headers(response_headers(response), utc_now_iso())
        if response.status == 304:
            self.crawler.stats.inc_value("khabar/source/not_modified")
            self.crawler.stats.inc_value(
                f"khabar/source/{response.meta[META_SOURCE]}/not_modified")
            previous = self.validators.get(url) or Validators()
            found = Validators(etag=(found and found.etag) or previous.etag,
                               last_modified=(found and found.last_modified)
                               or previous.last_modified,
                               fetched_at=utc_now_iso())
            self.new_validators[url] = found
            self.logger.debug("Not modified since the last run: %s", url)
            return True
        if found is not None:
            self.new_validators[url] = found
        return False

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if self._not_modified(response):
            yield self.fetch_record(response)
            return
        entries = parse_feed(response.body, response.url)
        if entries is None:
            yield self._unparseable(response, "feed")
            return
        yield self.fetch_record(response)
        self.crawler.stats.inc_value(f"khabar/source/{response.meta[META_SOURCE]}/read")
        self._discover_all(entries, response.meta[META_SOURCE])

    def parse_listing(self, response: Response) -> Iterator[Any]:
        self.crawler.stats.inc_value("khabar/listing/pages")
        index = response.meta[META_SOURCE]
        self.crawler.stats.inc_value(f"khabar/source/{index}/read")
        page = response.meta.get(META_PAGE, 1)
        source = self.outlet.sources[index]
        entries = listing_entries(response.body, response.url, source.links_css)
        articles = [e for e in entries if self._article_url(e.url)]
        # A listing page that lists no article (a bot challenge, an empty body) is recorded as
        # failed: tomorrow's listing would stop before reaching the pages it hid.
        yield (self.fetch_record(response) if articles
               else self._unparseable(response, "listing of articles", FetchError.EMPTY_LISTING))
        fresh = self._discover_all(articles, index, count="fresh")
        if self._next_listing_page(source, page, articles, fresh):
            yield self._listing_request(source, index, page + 1)

    def _next_listing_page(self, source: Source, page: int, articles: list[Entry],
                           fresh: int) -> bool:
        """Whether to request the following page of a listing.

        Nightly: only while the page had an article URL not yet stored (listings are newest
        first, so a page of known articles means the rest are known too). Backfill: while the
        page lists articles and not all of its dates (if it shows any) are before ``since``.
        """
        limit = self.listing_pages if self.listing_pages is not None else source.max_pages
        if "{page}" not in source.url or page >= limit:
            return False
        if not self.backfill:
            return fresh > 0 or (self.rediscover and bool(articles))
        if not articles:
            return False
        dates = listing_dates(articles)
        return not dates or any(is_recent(d, self.since, self.tz) for d in dates)

    def _article_url(self, url: str) -> str | None:
        canonical = try_canonical_url(url)
        return canonical if canonical and self.outlet.is_article_url(canonical) else None

    def _discover_all(self, entries: Iterable[Entry], index: int, count: str = "new") -> int:
        """Discover ``entries``; count those new for this source (``count="new"``) or those
        new for this source that will be fetched (``"fresh"``: not stored, or updated)."""
        total = 0
        for entry in entries:
            url = self.discover(entry, index)
            if url is None:
                continue
            if count == "new" or not is_stored(url, self.seen, self.known) or is_updated(
                    self.discovered[url].modified, self.known.get(url)):
                total += 1
        return total

    def discover(self, entry: Entry, index: int) -> str | None:
        """Record an entry of source ``index`` if it is an article URL in the crawl's window.

        Returns:
            Its canonical URL when the URL is new for this source, else None.
        """
        url = self._article_url(entry.url)
        if url is None:
            return None
        stats = self.crawler.stats
        if not is_recent(entry.published, self.since, self.tz):
            stats.inc_value("khabar/skipped/old")
            return None
        if self.until and entry.published and is_recent(entry.published, _next_day(self.until),
                                                        self.tz):
            stats.inc_value("khabar/skipped/after_until")
            return None
        found = self.discovered.get(url)
        if found is None:
            found = self.discovered[url] = Discovered(order=len(self.discovered))
            stats.inc_value("khabar/discovered")
        if entry.modified and (found.modified is None or entry.modified > found.modified):
            found.modified = entry.modified
        if index in found.sources:
            return None
        found.sources.add(index)
        found.published = found.published or entry.published
        stats.inc_value(f"khabar/discovered/{self.outlet.sources[index].kind}")
        return url

    def _unparseable(self, response: Response, what: str,
                     error: str = FetchError.UNPARSEABLE_SOURCE) -> FetchRecord:
        """Count, log and record (as failed, class ``error``) a source that gave nothing."""
        self.crawler.stats.inc_value("khabar/discovery/unparseable")
        self.crawler.stats.inc_value(f"khabar/errors/{error}")
        self.logger.warning("Not a %s: %s", what, response.url)
        return self._record(response.request, response.status, error, len(response.body))

    # -- fetching ----------------------------------------------------------------------------

    def on_idle(self) -> None:
        """Discovery is done: schedule the article requests once and keep the spider open."""
        if self._fetching:
            return
        self._fetching = True
        for url in self.retry:  # failed on earlier nights: asked again, listed tonight or not
            if url not in self.discovered and self._article_url(url):
                self.discovered[url] = Discovered(order=len(self.discovered))
        urls, n_seen, n_capped = plan_fetches(self.discovered, self.seen, self.max_pages, self.tz,
                                              self.known)
        n_updated = sum(is_stored(url, self.seen, self.known) for url in urls)
        stats = self.crawler.stats
        for index, (found, only) in enumerate(
            source_counts(self.discovered, len(self.outlet.sources))
        ):
            stats.set_value(f"khabar/source/{index}/discovered", found)
            stats.set_value(f"khabar/source/{index}/only_here", only)
        stats.set_value("khabar/skipped/seen", n_seen)
        stats.set_value("khabar/skipped/capped", n_capped)
        stats.set_value("khabar/articles/requested", len(urls))
        stats.set_value("khabar/articles/refetched_updated", n_updated)
        stats.set_value("khabar/retry/listed", len(self.retry))
        stats.set_value("khabar/retry/requested", sum(url in self.retry for url in urls))
        self.logger.info("Discovered %d article URLs; fetching %d (%d updated since stored; "
                         "%d stored, %d over max_pages)", len(self.discovered), len(urls),
                         n_updated, n_seen, n_capped)
        for url in urls:
            self.crawler.engine.crawl(
                Request(url, callback=self.parse_article, errback=self.on_error,
                        meta={META_ARTICLE: url})
            )
        rechecks = self._rechecks(set(urls))
        if urls or rechecks:
            raise DontCloseSpider

    def _rechecks(self, fetching: set[str]) -> list[str]:
        """Request the stored articles due for a re-check, conditionally; returns their URLs."""
        stats = self.crawler.stats
        due = [url for url in self.recheck if url not in fetching and self._article_url(url)]
        lastmod = [url for url in due if url in self.discovered
                   and self.discovered[url].modified is not None]
        chosen = [url for url in due if url not in lastmod]
        stats.set_value("khabar/recheck/listed", len(self.recheck))
        stats.set_value("khabar/recheck/skipped_lastmod", len(lastmod))
        stats.set_value("khabar/recheck/requested", len(chosen))
        for url in chosen:
            self.discovered.setdefault(url, Discovered(order=len(self.discovered)))
            self.crawler.engine.crawl(
                Request(url, callback=self.parse_article, errback=self.on_error,
                        headers=self.recheck[url].request_headers(),
                        meta={META_ARTICLE: url, META_RECHECK: True,
                              "handle_httpstatus_list": [304]})
            )
        return chosen

    def parse_article(self, response: Response) -> Iterator[Any]:
        url = response.meta[META_ARTICLE]
        if response.status == 304 and response.meta.get(META_RECHECK):
            self.crawler.stats.inc_value("khabar/recheck/not_modified")
            yield self.fetch_record(response)  # unchanged since our fetch: nothing to store
            return
        if not response.body:  # a server in trouble answering 200 with nothing: once more
            if not response.meta.get(META_EMPTY_RETRY):
                self.crawler.stats.inc_value("khabar/retry/empty_body")
                yield Request(url, callback=self.parse_article, errback=self.on_error,
                              dont_filter=True, meta={META_ARTICLE: url, META_EMPTY_RETRY: True})
                return
            self.crawler.stats.inc_value(f"khabar/errors/{FetchError.EMPTY_RESPONSE}")
            yield self._record(response.request, response.status, FetchError.EMPTY_RESPONSE, 0)
            return
        yield self.fetch_record(response)
        kinds = sorted({self.outlet.sources[i].kind.value for i in self.discovered[url].sources}
                       | ({"retry"} if url in self.retry else set())
                       | ({"recheck"} if response.meta.get(META_RECHECK) else set()))
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
        # HttpError (non-2xx) and guard.OffsiteRedirectError (3xx) carry the response.
        response = getattr(failure.value, "response", None)
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


def _next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


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
