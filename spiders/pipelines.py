"""Item pipeline writing a crawl's run files (names: ``khabar.run.RunFolder``; formats:
``khabar.run.records``, ``khabar.run.state``):

* the raw page file: ``RawPage`` items (article pages);
* the fetch log: ``FetchRecord`` items (every request outcome);
* the crawl stats (``crawl_report``), written when the spider closes;
* the feed and sitemap validators (ETag, Last-Modified) seen in this run, written when the
  spider closes.

Settings read: none; ``run_dir``, ``run_id`` and ``outlet`` come from the spider (its
arguments). Stats: ``khabar/articles/stored``, ``khabar/fetches/recorded``,
``khabar/write_error`` (the error that stopped the crawl).

A write that fails (a full disk above all) stops the crawl at once, with one ERROR line, rather
than fetching pages it cannot keep; the records written before stay readable
(``khabar.run.records``). The stats file is written under a temporary name and renamed, so a
full disk never leaves half a JSON document for the flow to trip on.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from khabar.run.layout import RunFolder
from khabar.run.records import FetchRecord, JsonlGzWriter, RawPage, utc_now_iso
from khabar.run.state import write_validators_file
from spiders.redact import redact_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from spiders.news import NewsSpider

logger = logging.getLogger(__name__)


def _prefixed(stats: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k.removeprefix(prefix): v for k, v in sorted(stats.items()) if k.startswith(prefix)}


def crawl_report(stats: Mapping[str, Any], spider: NewsSpider, reason: str,
                 started_at: str) -> dict[str, Any]:
    """The ``crawl/<outlet>.json`` document, from the crawler's stats (plain function).

    Errors by class merge download exceptions, HTTP errors and robots.txt refusals as seen by
    the spider's errback (``khabar/errors/<Class>``). Source URLs are redacted
    (``spiders.redact.redact_url``): a feed token never reaches the report.
    """
    sources = []
    for index, source in enumerate(spider.outlet.sources):
        sources.append({
            "kind": source.kind.value,
            "url": redact_url(source.url),
            "discovered": stats.get(f"khabar/source/{index}/discovered", 0),
            "only_here": stats.get(f"khabar/source/{index}/only_here", 0),
            # pages of it parsed tonight, and 304s / unchanged child sitemaps: read 0 with some
            # not modified is a source with nothing new, not a dead one (pipeline.quality)
            "read": stats.get(f"khabar/source/{index}/read", 0),
            "not_modified": stats.get(f"khabar/source/{index}/not_modified", 0),
        })
    return {
        "run_id": spider.run_id,
        "outlet": spider.outlet.id,
        "started_at": started_at,
        "finished_at": utc_now_iso(),
        "finish_reason": reason,
        "since": spider.since.isoformat() if spider.since else None,
        "until": spider.until.isoformat() if spider.until else None,
        "backfill": spider.backfill,
        "rediscover": spider.rediscover,
        "max_pages": spider.max_pages,
        "requests": stats.get("downloader/request_count", 0),
        "responses": stats.get("downloader/response_count", 0),
        "responses_by_status": _prefixed(stats, "downloader/response_status_count/"),
        "articles_discovered": stats.get("khabar/discovered", 0),
        "articles_requested": stats.get("khabar/articles/requested", 0),
        "articles_fetched": stats.get("khabar/articles/stored", 0),
        "found_by_one_source": sum(s["only_here"] for s in sources),
        "sources": sources,
        "discovered_by_kind": _prefixed(stats, "khabar/discovered/"),
        "articles_refetched_updated": stats.get("khabar/articles/refetched_updated", 0),
        "retry_listed": stats.get("khabar/retry/listed", 0),
        "retry_requested": stats.get("khabar/retry/requested", 0),
        "retry_empty_body": stats.get("khabar/retry/empty_body", 0),
        "recheck_listed": stats.get("khabar/recheck/listed", 0),
        "recheck_requested": stats.get("khabar/recheck/requested", 0),
        "recheck_skipped_lastmod": stats.get("khabar/recheck/skipped_lastmod", 0),
        "recheck_not_modified": stats.get("khabar/recheck/not_modified", 0),
        "skipped_seen": stats.get("khabar/skipped/seen", 0),
        "skipped_old": stats.get("khabar/skipped/old", 0),
        "skipped_after_until": stats.get("khabar/skipped/after_until", 0),
        "sources_not_modified": stats.get("khabar/source/not_modified", 0),
        "sitemaps_skipped_unchanged": stats.get("khabar/source/skipped_unchanged", 0),
        "listing_pages": stats.get("khabar/listing/pages", 0),
        "skipped_over_max_pages": stats.get("khabar/skipped/capped", 0),
        "unparseable_sources": stats.get("khabar/discovery/unparseable", 0),
        "errors_by_class": _prefixed(stats, "khabar/errors/"),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "offsite_redirects": stats.get("guard/offsite_redirect", 0),
        "private_addresses_refused": stats.get("guard/private_address", 0),
        "redirect_loops": stats.get("guard/redirect_loop", 0),
        "responses_too_large": stats.get("limits/too_large", 0),
        "decompression_limits": stats.get("limits/decompression", 0),
        "retries": stats.get("retry/count", 0),
        "retries_given_up": stats.get("retry/max_reached", 0),
        "backoff_seconds": stats.get("backoff/delay_seconds", 0),
        "bytes_received": stats.get("downloader/response_bytes", 0),
    }


class RawStorePipeline:
    """Writes raw pages and fetch records as they come, and the crawl stats at the end."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._raw: JsonlGzWriter | None = None
        self._fetches: JsonlGzWriter | None = None
        self._started_at = utc_now_iso()
        self._write_error: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        # spider_closed, not close_spider: the finish reason is only known there.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def _spider(self) -> NewsSpider:
        return self.crawler.spider  # type: ignore[return-value]

    def open_spider(self) -> None:
        spider = self._spider
        self._started_at = utc_now_iso()
        folder = RunFolder(spider.run_dir)
        self._raw = JsonlGzWriter(folder.raw_file(spider.outlet.id))
        self._fetches = JsonlGzWriter(folder.fetches_file(spider.outlet.id))
        spider.logger.info("Writing run files under %s", spider.run_dir)

    def process_item(self, item: Any) -> Any:
        assert self._raw is not None and self._fetches is not None
        if self._write_error:
            raise DropItem(f"not stored: {self._write_error}")
        try:
            if isinstance(item, RawPage):
                self._raw.write(item)
                self.crawler.stats.inc_value("khabar/articles/stored")
            elif isinstance(item, FetchRecord):
                self._fetches.write(item)
                self.crawler.stats.inc_value("khabar/fetches/recorded")
        except OSError as exc:
            self._stop(exc)
            raise DropItem(f"not stored: {self._write_error}") from None
        return item

    def _stop(self, exc: OSError) -> None:
        """A run file cannot be written: stop the crawl (what is written stays readable)."""
        self._write_error = f"{exc.strerror or exc} ({exc.__class__.__name__})"
        self.crawler.stats.set_value("khabar/write_error", self._write_error)
        logger.error("Cannot write run files under %s: %s; stopping the crawl",
                     self._spider.run_dir, self._write_error)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="write_error"))

    def close_spider(self) -> None:
        for writer in (self._raw, self._fetches):
            if writer is not None:
                try:
                    writer.close()
                except OSError as exc:  # the trailer did not fit: the records stay readable
                    logger.error("Cannot close %s: %s", writer.path, exc)

    def spider_closed(self, spider: NewsSpider, reason: str) -> None:
        report = crawl_report(self.crawler.stats.get_stats(), spider, reason, self._started_at)
        folder = RunFolder(spider.run_dir)
        try:
            write_validators_file(folder.crawl_validators_file(spider.outlet.id),
                                  spider.new_validators)
        except OSError as exc:  # the warehouse keeps the validators of earlier nights
            logger.error("Cannot write the validators of %s: %s", spider.outlet.id, exc)
        path = folder.crawl_stats_file(spider.outlet.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.hidden_tmp(path)
        try:
            tmp.write_text(json.dumps(report, indent=2, default=_json_default) + "\n",
                           encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            logger.error("Cannot write the crawl report %s: %s", path, exc)


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {value!r}")
