"""Serve a :class:`~bench.synthweb.web.SynthWeb` over HTTP/1.1 on loopback, with latency.

One asyncio event loop answers every connection, so thousands of requests can wait out their
latency at once: a response leaves ``latency`` seconds after its request arrived (rendering
happens inside that window), whatever else is in flight. Each outlet host gets its own loopback
address (127.0.1.1, 127.0.1.2, …; 127.0.0.1 with one port each where extra addresses cannot be
bound). Requests are dispatched on their ``Host`` header, as ``spiders/snapshot_handler.py``
sends them, so ``-s SNAPSHOT_HOSTS=<addresses as JSON>`` routes a crawl here.

Feeds and sitemaps carry ``ETag`` and ``Last-Modified`` and answer conditional GETs with 304
(the rule of ``snapshot.replay.not_modified``). Control paths, on any host, not delayed:
``/_synthweb/stats`` (JSON counters, including this process's CPU seconds), ``/_synthweb/reset``
and ``/_synthweb/night?n=2`` (switch to night 2: new articles appear).

:class:`SynthServer` runs in a background thread (tests); :class:`SynthWebProcess` runs
``python -m bench.synthweb`` in its own process (benchmarks: the server then competes with the
crawlers only for CPU, never for their interpreter).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import ipaddress
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from bench.synthweb.web import Page, SynthWeb, WebConfig
from snapshot.replay import StoredResponse, not_modified

__all__ = ["SynthServer", "SynthWebProcess", "config_args"]

logger = logging.getLogger(__name__)

FIRST_ADDRESS = "127.0.1.1"
FALLBACK_ADDRESS = "127.0.0.1"
CONTROL = "/_synthweb/"
_MAX_HEAD = 64 * 1024
_REASONS = {200: "OK", 301: "Moved Permanently", 304: "Not Modified", 404: "Not Found",
            405: "Method Not Allowed", 500: "Internal Server Error"}
_KEEP_ON_304 = {"etag", "last-modified"}


class Stats:
    """Counters of what the server answered (reset with ``/_synthweb/reset``)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.by_host: Counter[str] = Counter()
        self.by_kind: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.per_second: Counter[int] = Counter()  # epoch second → responses sent
        self.bytes = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.cpu_at_reset = time.process_time()

    def as_dict(self) -> dict[str, Any]:
        return {"requests": sum(self.by_status.values()), "bytes": self.bytes,
                "by_host": dict(self.by_host), "by_kind": dict(self.by_kind),
                "by_status": {str(k): v for k, v in self.by_status.items()},
                "per_second": {str(k): v for k, v in sorted(self.per_second.items())},
                "max_in_flight": self.max_in_flight,
                "cpu_seconds": round(time.process_time() - self.cpu_at_reset, 3)}


class SynthServer:
    """The HTTP front of a synthetic web (see the module docstring).

    Args:
        web: what to serve.
        latency: seconds between a request's arrival and its response.
        first_address: loopback address of the first outlet; the next outlets take the next
            addresses.
    """

    def __init__(self, web: SynthWeb, latency: float = 0.0, first_address: str = FIRST_ADDRESS,
                 port: int = 0) -> None:
        if not ipaddress.IPv4Address(first_address).is_loopback:
            raise ValueError(f"{first_address} is not a loopback address")
        self.web = web
        self.latency = latency
        self.first_address = ipaddress.IPv4Address(first_address)
        self.port = port
        self.addresses: dict[str, str] = {}
        self.stats = Stats()
        self._servers: list[asyncio.Server] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    async def bind(self) -> dict[str, str]:
        """Listen on one address per outlet; returns ``{host: "ip:port"}``."""
        hosts = [o.host for o in self.web.outlets]
        try:
            for offset, host in enumerate(hosts):
                await self._listen(host, str(self.first_address + offset), self.port)
        except OSError:
            await self.close()
            for host in hosts:  # only 127.0.0.1 exists (macOS): one port per host
                await self._listen(host, FALLBACK_ADDRESS, 0)
        return dict(self.addresses)

    async def _listen(self, host: str, address: str, port: int) -> None:
        server = await asyncio.start_server(self._connection, address, port, backlog=1024,
                                            limit=_MAX_HEAD)
        self._servers.append(server)
        self.addresses[host] = f"{address}:{server.sockets[0].getsockname()[1]}"

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for writer in list(self._writers):  # idle keep-alive connections end their handlers
            writer.close()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        self.addresses.clear()

    def start(self) -> dict[str, str]:
        """Serve from a background thread (tests); returns the host → address map."""
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self.bind())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="synthweb", daemon=True)
        self._thread.start()
        if not ready.wait(timeout=30):
            raise RuntimeError("synthetic web server did not start")
        return dict(self.addresses)

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- HTTP ----------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        self._writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                arrived = loop.time()
                method, target, version, headers = _parse_head(head)
                if headers.get("content-length", "0").isdigit():
                    await reader.readexactly(int(headers.get("content-length", "0")))
                if target.startswith(CONTROL):
                    writer.write(self._control(target))
                    await writer.drain()
                    continue
                self.stats.in_flight += 1
                self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
                try:
                    response = self._respond(method, target, headers)
                    wait = self.latency - (loop.time() - arrived)
                    if wait > 0:
                        await asyncio.sleep(wait)
                    writer.write(response)
                    await writer.drain()
                finally:
                    self.stats.in_flight -= 1
                self.stats.per_second[int(time.time())] += 1
                if version == "HTTP/1.0" or headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.CancelledError):  # client gone, or shutting down
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    def _respond(self, method: str, target: str, headers: dict[str, str]) -> bytes:
        host = headers.get("host", "").lower()
        if host.rpartition(":")[2].isdigit():
            host = host.rpartition(":")[0]
        try:
            page = (self.web.page(host, target) if method in ("GET", "HEAD")
                    else _METHOD_NOT_ALLOWED)
        except Exception:  # noqa: BLE001 - a generator bug must show as a 500, not a hang-up
            logger.exception("synthweb: cannot render %s%s", host, target)
            page = _SERVER_ERROR
        status, body, page_headers = page.status, page.body, page.headers()
        if page.etag and not_modified(StoredResponse(200, "OK", page_headers, b""), headers):
            status, body = 304, b""
            page_headers = [(k, v) for k, v in page_headers if k.lower() in _KEEP_ON_304]
        self.stats.by_host[host] += 1
        self.stats.by_kind["not_modified" if status == 304 else page.kind] += 1
        self.stats.by_status[status] += 1
        self.stats.bytes += len(body)
        return _response(status, page_headers, b"" if method == "HEAD" else body,
                         content_length=len(body))

    def _control(self, target: str) -> bytes:
        parts = urlsplit(target)
        command = parts.path.removeprefix(CONTROL)
        if command == "reset":
            self.stats.reset()
        elif command == "night":
            self.web.set_night(int(parse_qs(parts.query).get("n", ["2"])[0]))
        elif command != "stats":
            return _response(404, [("Content-Type", "text/plain")], b"unknown command\n")
        body = json.dumps({**self.stats.as_dict(), "night": self.web.night,
                           "addresses": self.addresses}).encode()
        return _response(200, [("Content-Type", "application/json")], body)


_METHOD_NOT_ALLOWED = Page(405, "text/plain; charset=UTF-8", b"method not allowed\n", "other")
_SERVER_ERROR = Page(500, "text/plain; charset=UTF-8", b"synthweb error\n", "error")


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = (lines[0].split(" ", 2) + ["", ""])[:3]
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return method, target, version, headers


def _response(status: int, headers: list[tuple[str, str]], body: bytes,
              content_length: int | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}", "Server: synthweb"]
    lines += [f"{name}: {value}" for name, value in headers]
    if status != 304:
        lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# -- own process ----------------------------------------------------------------------------

def config_args(config: WebConfig) -> list[str]:
    """Command-line arguments of ``python -m bench.synthweb`` for ``config``."""
    return ["--outlets", str(config.outlets), "--articles", str(config.articles),
            "--days", str(config.days), "--seed", str(config.seed),
            "--anchor", config.anchor.isoformat(), "--new-per-night", str(config.new_per_night),
            "--per-page", str(config.per_page), "--sitemap-size", str(config.sitemap_size),
            "--feed-items", str(config.feed_items), "--themes", ",".join(config.themes)]


class SynthWebProcess:
    """``python -m bench.synthweb`` in a child process, and a small client of its control
    paths. ``hosts`` is the ``SNAPSHOT_HOSTS`` map once started; ``pid`` lets a memory sampler
    leave the server out of the measured process tree."""

    def __init__(self, config: WebConfig, latency: float, *, registry: Path | None = None,
                 cwd: Path | None = None) -> None:
        self.config = config
        self.latency = latency
        self.registry = registry
        self.cwd = cwd or Path(__file__).resolve().parents[2]
        self.hosts: dict[str, str] = {}
        self._process: subprocess.Popen[str] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self) -> dict[str, str]:
        command = [sys.executable, "-m", "bench.synthweb", *config_args(self.config),
                   "--latency", str(self.latency)]
        if self.registry:
            command += ["--registry", str(self.registry)]
        self._process = subprocess.Popen(command, cwd=self.cwd, stdout=subprocess.PIPE,
                                         text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"synthweb server exited ({self._process.wait()})")
        self.hosts = json.loads(line)
        return self.hosts

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def control(self, command: str) -> dict[str, Any]:
        """``stats``, ``reset`` or ``night?n=2``: the server's counters after the command."""
        return control(self.hosts, command)


def control(hosts: dict[str, str], command: str) -> dict[str, Any]:
    """Send a control command to a running server (no proxy: straight to loopback)."""
    host, address = next(iter(hosts.items()))
    ip, _, port = address.rpartition(":")
    connection = http.client.HTTPConnection(ip, int(port), timeout=30)
    try:
        connection.request("GET", CONTROL + command, headers={"Host": host})
        return json.loads(connection.getresponse().read())
    finally:
        with contextlib.suppress(OSError):
            connection.close()
