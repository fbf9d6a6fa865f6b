"""Retries with exponential backoff that honour ``Retry-After``: Scrapy's retry middleware, but
a retried request waits before it goes out again instead of hitting a struggling server at once.

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
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date
    (RFC 9110 §10.2.3). A date in the past gives 0.

    Returns:
        The delay in seconds, or None when the header is missing or malformed.
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(
    attempt: int,
    *,
    base: float,
    max_delay: float,
    retry_after: float | None = None,
    jitter: float = 0.0,
    rand: float | None = None,
) -> float | None:
    """How long to wait before retry number ``attempt`` (1 for the first retry).

    Args:
        attempt: the retry about to be made, 1-based.
        base: delay of the first retry without ``Retry-After``; doubles each retry.
        max_delay: cap on any wait.
        retry_after: the server's ``Retry-After`` in seconds, if it sent one (it wins).
        jitter: fraction of the exponential delay added at random (0.1: up to +10 %).
        rand: a number in [0, 1) replacing ``random.random()`` (tests).

    Returns:
        Seconds to wait (at most ``max_delay``), or None when the server asks for a longer
        wait than ``max_delay``: then the request should not be retried in this crawl.
    """
    if retry_after is not None:
        return None if retry_after > max_delay else retry_after
    delay = base * 2 ** max(0, attempt - 1)
    delay *= 1 + jitter * (random.random() if rand is None else rand)
    return min(delay, max_delay)


class BackoffRetryMiddleware(RetryMiddleware):
    """``RetryMiddleware`` that waits (exponentially, or as ``Retry-After`` says) before
    handing back the retry request."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        super().__init__(settings)
        if not settings.getbool("BACKOFF_ENABLED", True):
            raise NotConfigured  # ``RetryMiddleware`` is then the one to list
        self.crawler = crawler
        self.base_delay = settings.getfloat("BACKOFF_BASE_DELAY", 2.0)
        self.jitter = settings.getfloat("BACKOFF_JITTER", 0.1)
        self.max_delay = settings.getfloat("BACKOFF_MAX_DELAY", 120.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
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

    async def process_exception(self, request: Request, exception: Exception
                                ) -> Request | Response | None:
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
        stats.inc_value("backoff/delay_seconds", round(delay, 3))
        logger.debug("Backing off %.2f s before retrying %s", delay, request)
        if delay > 0:
            await sleep(delay)
