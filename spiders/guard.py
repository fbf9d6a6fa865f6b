"""Where a crawl may go: only public addresses, and redirects only within the outlet's hosts.

Small downloader middlewares, each failing the request with an ``IgnoreRequest`` subclass so
the spider's errback records it (a fetch record with the error class) and nothing retries it:

* :class:`PrivateAddressMiddleware` (before robots.txt, so not even robots.txt is fetched)
  refuses requests whose host is, or resolves to, a private, loopback, link-local, reserved or
  multicast address (SSRF guard: a registry typo or a hostile redirect must not reach the
  machine's own network). The lookup goes through the crawl's caching resolver, so the
  connection that follows uses the address checked here. Off in snapshot mode (loopback is the
  point there) and when ``KHABAR_ALLOW_PRIVATE`` is true; ``KHABAR_PRIVATE_NETWORKS`` opens
  only the listed networks (a test server on 127.0.0.21: a redirect to 127.0.0.1, a host
  name resolving to 10.x or the cloud metadata address stays refused). The outlet registry's
  ``allow_private_addresses`` sets one or the other for its spider (``NewsSpider``).
* :class:`OffsiteRedirectMiddleware` (after ``RedirectMiddleware`` in the response chain, so it
  sees the 3xx first; :class:`OffsiteMetaRefreshMiddleware` does the same for
  ``<meta http-equiv="refresh">`` before ``MetaRefreshMiddleware``) refuses to follow a
  redirect to a host outside the spider's ``allowed_domains`` (the outlet's registry hosts),
  with the policy of Scrapy's own ``OffsiteMiddleware``. That middleware would drop such a
  redirect too, but silently, at scheduling, where no errback runs and the fetch would go
  unrecorded. It also stops redirect
  loops (a target already visited, or more than ``REDIRECT_MAX_TIMES`` hops) with their own
  error class, where Scrapy would raise a bare ``IgnoreRequest`` that reads like a robots.txt
  refusal in the fetch records.

Redirects *within* the hosts go back through the scheduler and every downloader middleware, so
robots.txt (``RobotsTxtMiddleware``) and this address check apply to the redirect target too.

Settings read: ``KHABAR_ALLOW_PRIVATE`` (default False), ``KHABAR_PRIVATE_NETWORKS`` (CIDR
strings, default none), ``SNAPSHOT_WARC``/``SNAPSHOT_HOSTS``, ``REDIRECT_ENABLED``,
``REDIRECT_MAX_TIMES``, ``METAREFRESH_ENABLED``, ``METAREFRESH_IGNORE_TAGS``,
``METAREFRESH_MAXDELAY``.
Request meta: ``allow_private`` (skip the address check for one request).
Stats: ``guard/private_address``, ``guard/offsite_redirect``, ``guard/redirect_loop``.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Self
from urllib.parse import urljoin

from scrapy import Request
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import get_meta_refresh
from w3lib.url import safe_url_string

from spiders.snapshot_handler import snapshot_enabled

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class PrivateAddressError(IgnoreRequest):
    """The request's host is or resolves to a non-public address."""


class OffsiteRedirectError(IgnoreRequest):
    """A redirect pointed outside the outlet's hosts; ``response`` is the 3xx response."""

    def __init__(self, message: str, response: Response):
        super().__init__(message)
        self.response = response


class RedirectLoopError(IgnoreRequest):
    """A redirect went back to a URL of its own chain, or the chain grew past
    ``REDIRECT_MAX_TIMES``; ``response`` is the last 3xx response."""

    def __init__(self, message: str, response: Response):
        super().__init__(message)
        self.response = response


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP of an address string (brackets allowed; IPv4-mapped IPv6 unwrapped), else None."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast IP address (v4 or v6); False for private,
    loopback, link-local, shared (CGNAT), reserved, unspecified and multicast addresses, and
    for strings that are not IP addresses."""
    ip = _ip(address)
    return ip is not None and ip.is_global and not ip.is_multicast


def in_networks(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    """True when ``address`` (an IP string) is in one of ``networks``."""
    ip = _ip(address)
    return ip is not None and any(ip.version == net.version and ip in net for net in networks)


def ip_literal(host: str) -> bool:
    return _ip(host) is not None


class PrivateAddressMiddleware:
    """Refuses requests to non-public addresses (see the module docstring)."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if settings.getbool("KHABAR_ALLOW_PRIVATE") or snapshot_enabled(settings):
            raise NotConfigured
        self.crawler = crawler
        self.allowed = tuple(ipaddress.ip_network(net, strict=False)
                             for net in settings.getlist("KHABAR_PRIVATE_NETWORKS"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("allow_private"):
            return
        host = urlparse_cached(request).hostname or ""
        address = host if ip_literal(host) else await self._resolve(host)
        if address is None or is_public_address(address) or in_networks(address, self.allowed):
            return  # an unresolvable host fails in the download, as usual
        self.crawler.stats.inc_value("guard/private_address")
        logger.warning("Refusing %s: %s is a non-public address (set KHABAR_ALLOW_PRIVATE to "
                       "allow it)", request, address)
        raise PrivateAddressError(f"{host} is the non-public address {address}")

    async def _resolve(self, host: str) -> str | None:
        from twisted.internet import reactor

        try:
            # Twisted's hints give ``resolve`` a name of int sequences and a Deferred[str].
            return await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 (any lookup failure: let the download report it)
            return None


class OffsiteRedirectMiddleware:
    """Stops redirects that leave the spider's ``allowed_domains`` (see the module docstring)."""

    enabled_setting = "REDIRECT_ENABLED"

    def __init__(self, crawler: Crawler):
        if not crawler.settings.getbool(self.enabled_setting):
            raise NotConfigured
        self.crawler = crawler
        self.max_hops = crawler.settings.getint("REDIRECT_MAX_TIMES")
        self._offsite: OffsiteMiddleware | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _location(self, request: Request, response: Response) -> str | None:
        """Where ``response`` redirects to (None: it does not, or it will not be followed)."""
        if (response.status not in REDIRECT_STATUSES or b"Location" not in response.headers
                or request.meta.get("dont_redirect")):
            return None
        return safe_url_string((response.headers[b"Location"] or b"").decode("latin-1"))

    def process_response(self, request: Request, response: Response) -> Response:
        location = self._location(request, response)
        if location is None:
            return response
        target = Request(urljoin(request.url, location))
        self._check_loop(request, target, response)
        if self._follows(target):
            return response
        self.crawler.stats.inc_value("guard/offsite_redirect")
        logger.info("Not following the redirect of %s to %s: outside the outlet's hosts",
                    request, target.url)
        raise OffsiteRedirectError(f"redirect to offsite {target.url}", response)

    def _check_loop(self, request: Request, target: Request, response: Response) -> None:
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        hops = request.meta.get("redirect_times", 0)
        if target.url not in chain and hops < self.max_hops:
            return
        self.crawler.stats.inc_value("guard/redirect_loop")
        logger.info("Not following the redirect of %s to %s: a loop (%d hops)", request,
                    target.url, hops + 1)
        raise RedirectLoopError(f"redirect loop at {target.url} after {hops + 1} hops", response)

    def _follows(self, target: Request) -> bool:
        """Whether ``target`` is on the outlet's hosts, without credentials (a user-info part
        names another authority; Scrapy could not send it anyway)."""
        if "@" in urlparse_cached(target).netloc:
            return False
        if self._offsite is None:
            self._offsite = self.crawler.get_downloader_middleware(OffsiteMiddleware)
        spider = self.crawler.spider
        if self._offsite is None or spider is None:
            return True  # OffsiteMiddleware disabled: the project chose to allow every host
        return self._offsite.should_follow(target, spider)


class OffsiteMetaRefreshMiddleware(OffsiteRedirectMiddleware):
    """The same for ``<meta http-equiv="refresh">`` redirects, which Scrapy's
    ``MetaRefreshMiddleware`` (580) follows: placed between it and the decompression (590), it
    reads the page as MetaRefreshMiddleware will and refuses the same targets. Without it an
    off-site refresh is dropped at scheduling and the page leaves no fetch record."""

    enabled_setting = "METAREFRESH_ENABLED"

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self._ignore_tags = crawler.settings.getlist("METAREFRESH_IGNORE_TAGS")
        self._max_delay = crawler.settings.getfloat("METAREFRESH_MAXDELAY")

    def _location(self, request: Request, response: Response) -> str | None:
        if (request.meta.get("dont_redirect") or request.method == "HEAD"
                or not isinstance(response, HtmlResponse)):
            return None
        interval, url = get_meta_refresh(response, ignore_tags=self._ignore_tags)
        if not url or interval is None or interval >= self._max_delay:
            return None
        return url
