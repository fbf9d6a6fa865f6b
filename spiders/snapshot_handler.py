"""Snapshot mode: send requests for snapshot hosts to a loopback replay server over real HTTP,
keeping the outlet's real URL on the request, the response and every item.

Settings read (either one switches snapshot mode on; without both, nothing changes and the
spider goes to the live web):

* ``SNAPSHOT_WARC``: path of a WARC; the handler starts an in-process
  :class:`snapshot.replay.ReplayServer` in background threads and stops it when the crawl ends.
* ``SNAPSHOT_HOSTS``: JSON object ``{"lebrief.ma": "127.0.0.11:8011", ...}`` of an already
  running replay server (tests, fault injection). Wins over ``SNAPSHOT_WARC``.

:class:`SnapshotAddon` (listed in ``ADDONS``) registers :class:`SnapshotDownloadHandler` for
http and https only when one of them is set. A request for a host outside the snapshot fails
with :class:`NotInSnapshotError`: snapshot mode never reaches the internet.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Self

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.utils.httpobj import urlparse_cached

from khabar.run.crawlargs import REPLAY_SETTINGS
from snapshot.replay import ReplayServer

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

HANDLER_PATH = "spiders.snapshot_handler.SnapshotDownloadHandler"


class NotInSnapshotError(Exception):
    """The request's host is not served by the snapshot (snapshot mode never goes online).

    Not a connection error on purpose: the retry middleware must not retry it."""


def snapshot_enabled(settings: Settings) -> bool:
    return any(settings.get(name) for name in REPLAY_SETTINGS)


class SnapshotAddon:
    """Routes http and https through :class:`SnapshotDownloadHandler` in snapshot mode."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def update_settings(self, settings: Settings) -> None:
        """Raises:
            FileNotFoundError: ``SNAPSHOT_WARC`` names a missing file (fail before crawling).
            ValueError: ``SNAPSHOT_HOSTS`` is not a JSON object of strings. (Not NotConfigured:
                Scrapy would only disable the add-on and the crawl would go online.)
        """
        if not snapshot_enabled(settings):
            return
        if settings.get("SNAPSHOT_HOSTS"):
            parse_hosts(settings["SNAPSHOT_HOSTS"])
        elif not Path(settings["SNAPSHOT_WARC"]).is_file():
            raise FileNotFoundError(f"SNAPSHOT_WARC {settings['SNAPSHOT_WARC']} does not exist")
        settings.set(
            "DOWNLOAD_HANDLERS",
            {**settings.getdict("DOWNLOAD_HANDLERS"), "http": HANDLER_PATH,
             "https": HANDLER_PATH},
            priority="addon",
        )


class _SharedServers:
    """One replay server per WARC per process, shared by the http and https handlers (Scrapy
    builds one handler instance per scheme) and stopped when the last one closes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._servers: dict[Path, tuple[ReplayServer, int]] = {}

    def acquire(self, warc: Path) -> dict[str, str]:
        with self._lock:
            server, users = self._servers.get(warc, (None, 0))
            if server is None:
                server = ReplayServer(warc)
                server.start()
                logger.info("Snapshot replay of %s on %s", warc, server.addresses)
            self._servers[warc] = (server, users + 1)
            return dict(server.addresses)

    def release(self, warc: Path) -> None:
        with self._lock:
            server, users = self._servers.pop(warc)
            if users > 1:
                self._servers[warc] = (server, users - 1)
            else:
                server.stop()


_SERVERS = _SharedServers()


def parse_hosts(value: str | dict[str, str]) -> dict[str, str]:
    """The ``SNAPSHOT_HOSTS`` value as ``{host: "ip:port"}`` with lower-case hosts.

    Raises:
        ValueError: the value is not a JSON object of strings.
    """
    try:
        hosts = json.loads(value) if isinstance(value, str) else dict(value)
    except ValueError as exc:
        raise ValueError(f"SNAPSHOT_HOSTS is not JSON: {exc}") from exc
    if not isinstance(hosts, dict) or not all(isinstance(v, str) for v in hosts.values()):
        raise ValueError('SNAPSHOT_HOSTS must be a JSON object {"host": "ip:port"}')
    return {host.lower(): address for host, address in hosts.items()}


def loopback_request(request: Request, hosts: dict[str, str]) -> Request:
    """A copy of ``request`` aimed at the replay address of its host, with the original
    ``Host`` header (the server dispatches on it) and plain http (the replay has no TLS).

    Raises:
        NotInSnapshotError: the request's host is not in ``hosts``.
    """
    parts = urlparse_cached(request)
    host = (parts.hostname or "").lower()
    address = hosts.get(host)
    if address is None:
        raise NotInSnapshotError(f"{host} is not in the snapshot (request {request.url})")
    target = f"http://{address}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    headers = Headers(request.headers)
    headers[b"Host"] = parts.netloc.rpartition("@")[2].encode("ascii")
    headers.pop(b"Proxy-Authorization", None)
    # An http(s)_proxy in the environment must not carry loopback traffic (or leak it).
    meta = {k: v for k, v in request.meta.items() if k not in {"proxy", "_auth_proxy"}}
    return request.replace(url=target, headers=headers, meta=meta)


class SnapshotDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, pointed at the replay server; responses keep the real URL."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not snapshot_enabled(settings):
            raise NotConfigured("set SNAPSHOT_WARC or SNAPSHOT_HOSTS to use the snapshot handler")
        super().__init__(crawler)
        self._warc: Path | None = None
        if settings.get("SNAPSHOT_HOSTS"):
            self._hosts = parse_hosts(settings["SNAPSHOT_HOSTS"])
        else:
            self._warc = Path(settings["SNAPSHOT_WARC"]).resolve()
            self._hosts = _SERVERS.acquire(self._warc)

    async def download_request(self, request: Request) -> Response:
        local = loopback_request(request, self._hosts)
        response = await super().download_request(local)
        # The agent records latency on the request it sent; the engine reads the original.
        if "download_latency" in local.meta:
            request.meta["download_latency"] = local.meta["download_latency"]
        return response.replace(url=request.url, request=request)

    async def close(self) -> None:
        await super().close()
        if self._warc is not None:
            _SERVERS.release(self._warc)
            self._warc = None
