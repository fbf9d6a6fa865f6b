"""The retry policy: what is worth asking again, when, and when to give up (its one owner).

Three horizons, one module, so that a change of mind is one edit:

* **Within a crawl** (Scrapy's retry middleware, ``spiders/backoff.py``): the statuses and
  download errors retried ``RETRY_TIMES`` more times, waiting :func:`backoff_delay` (or what
  ``Retry-After`` asks, :func:`parse_retry_after`) before each, so parallel crawls do not hit a
  struggling server in step.
* **Within a night** (the flow's Prefect tasks, ``flows/tasks.py``): a stage that touches the
  network or another process is run again ``STAGE_RETRIES`` times; a crawl only on the live
  web (:func:`crawl_retry_helps`).
* **Across nights** (the flow writes the retry file from the warehouse's record of every
  outcome): a fetch that failed for a reason that may pass is asked again on the following
  nights, whatever the sources say, until it has failed ``MAX_RETRY_NIGHTS`` nights in a row
  (:func:`retry_plan`); a refusal a retry cannot change (``PERMANENT_ERRORS``, a 4xx other than
  ``TRANSIENT_STATUSES``) is never retried; a 404/410 is not asked again for
  ``GONE_RECHECK_DAYS``. ``select_failed_fetches`` in ``warehouse/sql/retries.sql`` applies the
  classification with these lists bound as parameters.

Plain constants and functions: no Scrapy, no Prefect, no SQL.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, Protocol

# -- within a crawl ------------------------------------------------------------------------------

# Statuses a server gives when it may answer later: rate limits, overload, gateways, timeouts.
RETRY_HTTP_CODES = (429, 500, 502, 503, 504, 522, 524, 408)
RETRY_TIMES = 2
# Waits before retry n: BACKOFF_BASE_DELAY * 2 ** (n - 1), plus up to BACKOFF_JITTER of it: 2 s,
# 4 s (+ up to 10 %). Never longer than BACKOFF_MAX_DELAY: a server asking for more
# (``Retry-After: 3600``) is not retried early against its wish; the next night asks again.
BACKOFF_BASE_DELAY = 2.0
BACKOFF_JITTER = 0.1
BACKOFF_MAX_DELAY = 120.0


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


# -- within a night -----------------------------------------------------------------------------

# Retries of a stage that failed as a whole: a crawl (network, a busy server), the warehouse's
# writers (another process holding the file). Pure stages (extraction) get none: a retry cannot
# fix a bug.
STAGE_RETRIES = 2
# Exponential delays (seconds of the first wait) and the jitter factor of those retries.
CRAWL_RETRY_DELAY = 30
WRITE_RETRY_DELAY = 10
RETRY_JITTER = 0.5


def crawl_retry_helps(*, snapshot: bool) -> bool:
    """Whether running a failed crawl again may help: on the live web (a network blip, a busy
    server), not against the bundled snapshot, which gives the same answers every time."""
    return not snapshot


# -- across nights ------------------------------------------------------------------------------

class FetchError(StrEnum):
    """Names a fetch record's ``error`` takes besides Scrapy's and Twisted's exception classes.

    The ``*Error`` names are exception classes of ``spiders`` (guard, limits, snapshot handler;
    ``tests/khabar/test_retry.py`` checks they exist); the first three are recorded with a 200
    that gave nothing usable.
    """

    EMPTY_RESPONSE = "EmptyResponse"  # an article page with no body, twice
    UNPARSEABLE_SOURCE = "UnparseableSource"  # a feed or sitemap that does not parse
    EMPTY_LISTING = "EmptyListing"  # a listing page that lists no article
    IGNORE_REQUEST = "IgnoreRequest"  # robots.txt forbids it
    PRIVATE_ADDRESS = "PrivateAddressError"
    OFFSITE_REDIRECT = "OffsiteRedirectError"
    REDIRECT_LOOP = "RedirectLoopError"
    NOT_IN_SNAPSHOT = "NotInSnapshotError"
    RESPONSE_TOO_LARGE = "ResponseTooLargeError"
    DECOMPRESSION_LIMIT = "DecompressionLimitError"


# Refusals a retry cannot change: robots.txt, our guards, and limits the page will not shrink
# under (each retry of a too-large page would cost DOWNLOAD_MAXSIZE again).
PERMANENT_ERRORS = (FetchError.IGNORE_REQUEST, FetchError.PRIVATE_ADDRESS,
                    FetchError.OFFSITE_REDIRECT, FetchError.REDIRECT_LOOP,
                    FetchError.NOT_IN_SNAPSHOT, FetchError.RESPONSE_TOO_LARGE,
                    FetchError.DECOMPRESSION_LIMIT)
# 4xx statuses that do pass (timeout, too early, too many requests); any other 4xx is final.
TRANSIENT_STATUSES = (408, 425, 429)
# Nights a URL may fail in a row before it is given up (a dead link, a page blocked for good).
MAX_RETRY_NIGHTS = 5
# A URL that answered 404/410 is not asked again for this many days, then once more. Asked
# every night, deleted pages that feeds and listings still link were 37 % of an incremental
# night's requests on a web the crawler had not seen before (issue 15's test); a month keeps a
# page a site restores (or a 404 served by mistake) from being lost for good, at 1/30 the cost.
GONE_RECHECK_DAYS = 30


@dataclass(frozen=True)
class FailedFetch:
    """A URL whose outcomes since its last success (if any) are failures."""

    url: str
    attempts: int  # runs that failed it since its last success
    last_error: str  # exception class and/or status, or ``verdict blocked``
    last_run_id: str
    in_latest_run: bool  # it failed in the outlet's most recent loaded run


class OutletUrls(Protocol):
    """What :func:`retry_plan` needs of an outlet (``registry.Outlet`` has it)."""

    @property
    def id(self) -> str: ...

    def is_article_url(self, url: str) -> bool: ...


@dataclass
class RetryPlan:
    """One outlet's unfinished business from earlier nights."""

    outlet: str
    retry: dict[str, dict[str, Any]] = field(default_factory=dict)  # url -> attempts, error
    given_up: dict[str, dict[str, Any]] = field(default_factory=dict)
    discovery_failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    gone: int = 0  # URLs not asked tonight: they answered 404/410 within GONE_RECHECK_DAYS

    @property
    def rediscover(self) -> bool:
        """Read every source whole tonight: a source page failed last night, so what it lists
        may be hidden behind a 304 or an early listing stop."""
        return bool(self.discovery_failures)

    def line(self) -> str:
        """One log line (empty when there is nothing to retry)."""
        parts = []
        if self.retry:
            parts.append(f"retrying {len(self.retry)} article URLs that failed earlier")
        if self.discovery_failures:
            urls = ", ".join(f"{u} ({e['error']})" for u, e in self.discovery_failures.items())
            parts.append(f"full discovery (failed last night: {urls})")
        if self.given_up:
            parts.append(f"gave up on {len(self.given_up)} URLs after {MAX_RETRY_NIGHTS} "
                         f"nights: {', '.join(self.given_up)}")
        if self.gone:
            parts.append(f"not asking again {self.gone} URLs that answered 404/410 in the "
                         f"last {GONE_RECHECK_DAYS} days")
        return f"{self.outlet}: " + "; ".join(parts) if parts else ""


def retry_plan(outlet: OutletUrls, failures: list[FailedFetch],
               max_nights: int = MAX_RETRY_NIGHTS) -> RetryPlan:
    """Sort an outlet's failed URLs into retries, discovery failures and give-ups.

    Article URLs (the registry's patterns) are retried while they have failed fewer than
    ``max_nights`` nights. Other URLs (feeds, sitemaps, listing pages) count only when they
    failed on the outlet's latest night: they make tonight's discovery complete.
    """
    plan = RetryPlan(outlet.id)
    for failure in failures:
        entry = {"attempts": failure.attempts, "error": failure.last_error}
        if failure.attempts >= max_nights:
            if failure.attempts == max_nights and failure.in_latest_run:
                plan.given_up[failure.url] = entry  # reached the limit last night: say it once
        elif outlet.is_article_url(failure.url):
            plan.retry[failure.url] = entry
        elif failure.in_latest_run:
            plan.discovery_failures[failure.url] = entry
    return plan
