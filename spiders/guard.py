"""Where a crawl may go: only public addresses, and redirects only within the outlet's hosts.

Two small downloader middlewares, both failing the request with an ``IgnoreRequest`` subclass so
the spider's errback records it (a fetch record with the error class) and nothing retries it:

* :class:`PrivateAddressMiddleware` (before robots.txt, so not even robots.txt is fetched)
  refuses requests whose host is, or resolves to, a private, loopback, link-local, reserved or
  multicast address (SSRF guard: a registry typo or a hostile redirect must not reach the
  machine's own network). The lookup goes through the crawl's caching resolver, so the
  connection that follows uses the address checked here. Off in snapshot mode (loopback is the
  point there) and when ``KHABAR_ALLOW_PRIVATE`` is true (tests against loopback servers).
* :class:`OffsiteRedirectMiddleware` (after ``RedirectMiddleware`` in the response chain, so it
  sees the 3xx first) refuses to follow a redirect to a host outside the spider's
  ``allowed_domains`` (the outlet's registry hosts), with the policy of Scrapy's own
  ``OffsiteMiddleware``. That middleware would drop such a redirect too, but silently, at
  scheduling, where no errback runs and the fetch would go unrecorded.

Redirects *within* the hosts go back through the scheduler and every downloader middleware, so
robots.txt (``RobotsTxtMiddleware``) and this address check apply to the redirect target too.

Settings read: ``KHABAR_ALLOW_PRIVATE`` (default False), ``SNAPSHOT_WARC``/``SNAPSHOT_HOSTS``.
Request meta: ``allow_private`` (skip the address check for one request).
Stats: ``guard/private_address``, ``guard/offsite_redirect``.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Self
from urllib.parse import urljoin

from scrapy import Request
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from w3lib.url import safe_url_string

from spiders.snapshot_handler import snapshot_enabled

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class PrivateAddressError(IgnoreRequest):
    """The request's host is or resolves to a non-public address."""


class OffsiteRedirectError(IgnoreRequest):
    """A redirect pointed outside the outlet's hosts; ``response`` is the 3xx response."""

    def __init__(self, message: str, response: Response):
        super().__init__(message)
        self.response = response


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast IP address (v4 or v6); False for private,
    loopback, link-local, shared (CGNAT), reserved, unspecified and multicast addresses, and
    for strings that are not IP addresses."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class PrivateAddressMiddleware:
    """Refuses requests to non-public addresses (see the module docstring)."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if settings.getbool("KHABAR_ALLOW_PRIVATE") or snapshot_enabled(settings):
            raise NotConfigured
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("allow_private"):
            return
        host = urlparse_cached(request).hostname or ""
        address = host if ip_literal(host) else await self._resolve(host)
        if address is None or is_public_address(address):
            return  # an unresolvable host fails in the download, as usual
        self.crawler.stats.inc_value("guard/private_address")
        logger.warning("Refusing %s: %s is a non-public address (set KHABAR_ALLOW_PRIVATE to "
                       "allow it)", request, address)
        raise PrivateAddressError(f"{host} is the non-public address {address}")

    async def _resolve(self, host: str) -> str | None:
        from twisted.internet import reactor

        try:
            return await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 (any lookup failure: let the download report it)
            return None


class OffsiteRedirectMiddleware:
    """Stops redirects that leave the spider's ``allowed_domains`` (see the module docstring)."""

    def __init__(self, crawler: Crawler):
        if not crawler.settings.getbool("REDIRECT_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self._offsite: OffsiteMiddleware | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if (response.status not in REDIRECT_STATUSES or b"Location" not in response.headers
                or request.meta.get("dont_redirect")):
            return response
        location = safe_url_string(response.headers[b"Location"].decode("latin-1"))
        target = Request(urljoin(request.url, location))
        if self._follows(target):
            return response
        self.crawler.stats.inc_value("guard/offsite_redirect")
        logger.info("Not following the redirect of %s to %s: outside the outlet's hosts",
                    request, target.url)
        raise OffsiteRedirectError(f"redirect to offsite {target.url}", response)

    def _follows(self, target: Request) -> bool:
        if self._offsite is None:
            self._offsite = self.crawler.get_downloader_middleware(OffsiteMiddleware)
        spider = self.crawler.spider
        if self._offsite is None or spider is None:
            return True  # OffsiteMiddleware disabled: the project chose to allow every host
        return self._offsite.should_follow(target, spider)
