"""Retries with exponential backoff that honour ``Retry-After``: Scrapy's retry middleware, but
a retried request waits before it goes out again instead of hitting a struggling server at once.
A thin shell: the policy (what is retried, the delays, when to give up) is ``khabar.retry``'s,
as Scrapy's own middleware wraps ``get_retry_request``.

It replaces ``scrapy.downloadermiddlewares.retry.RetryMiddleware`` (same place in the chain, same
``RETRY_*`` settings: which codes and exceptions are retried, how many times, ``dont_retry`` and
``max_retry_times`` meta keys). The delay before retry *n* (1-based) is the response's
``Retry-After`` (seconds or an HTTP date) when it has one, else
``BACKOFF_BASE_DELAY * 2 ** (n - 1)`` with up to ``BACKOFF_JITTER`` (a fraction) added, so
parallel crawls do not retry in step. No wait is ever longer than ``BACKOFF_MAX_DELAY``: a
server asking for more (``Retry-After: 3600``) is not retried early against its wish; the request
gives up, is recorded as failed, and the next night's run tries again.

Settings read: ``BACKOFF_ENABLED`` (switch; off gives Scrapy's immediate retries),
``BACKOFF_BASE_DELAY``, ``BACKOFF_JITTER``, ``BACKOFF_MAX_DELAY``, plus Scrapy's ``RETRY_*``.
Request meta: ``dont_backoff`` (retry at once). Stats: ``backoff/count``,
``backoff/delay_seconds`` (total waited), ``backoff/retry_after``, ``backoff/too_long``,
and Scrapy's ``retry/*``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

from khabar.retry import (
    BACKOFF_BASE_DELAY,
    BACKOFF_JITTER,
    BACKOFF_MAX_DELAY,
    backoff_delay,
    parse_retry_after,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """``RetryMiddleware`` that waits (exponentially, or as ``Retry-After`` says) before
    handing back the retry request."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        super().__init__(settings)
        if not settings.getbool("BACKOFF_ENABLED", True):
            raise NotConfigured  # ``RetryMiddleware`` is then the one to list
        self.crawler = crawler
        self.base_delay = settings.getfloat("BACKOFF_BASE_DELAY", BACKOFF_BASE_DELAY)
        self.jitter = settings.getfloat("BACKOFF_JITTER", BACKOFF_JITTER)
        self.max_delay = settings.getfloat("BACKOFF_MAX_DELAY", BACKOFF_MAX_DELAY)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    # Scrapy 2.13 calls a middleware without ``spider`` and awaits a coroutine; its hints of
    # the base class still have the old synchronous signature.
    async def process_response(  # type: ignore[override]
            self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry_after = parse_retry_after(response.headers.get(b"Retry-After"))
        delay = self._delay(request, retry_after)
        if delay is None:
            self.crawler.stats.inc_value("backoff/too_long")
            logger.info("Not retrying %s: Retry-After %.0f s exceeds BACKOFF_MAX_DELAY %.0f s",
                        request, retry_after, self.max_delay)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._wait(request, delay, retry_after)
        return retry

    async def process_exception(  # type: ignore[override]
            self, request: Request, exception: Exception) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        delay = self._delay(request, None)
        await self._wait(request, delay or 0.0, None)
        return retry

    def _delay(self, request: Request, retry_after: float | None) -> float | None:
        if request.meta.get("dont_backoff"):
            return 0.0
        attempt = request.meta.get("retry_times", 0) + 1
        return backoff_delay(attempt, base=self.base_delay, max_delay=self.max_delay,
                             retry_after=retry_after, jitter=self.jitter)

    async def _wait(self, request: Request, delay: float, retry_after: float | None) -> None:
        stats = self.crawler.stats
        stats.inc_value("backoff/count")
        if retry_after is not None:
            stats.inc_value("backoff/retry_after")
        # A float total (seconds waited): Scrapy's stats add any number, its hint says int.
        stats.inc_value("backoff/delay_seconds", round(delay, 3))  # type: ignore[arg-type]
        logger.debug("Backing off %.2f s before retrying %s", delay, request)
        if delay > 0:
            await sleep(delay)
