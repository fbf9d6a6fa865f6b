"""Loopback replay of a WARC over real HTTP/1.1, so crawls of the snapshot exercise the whole
Scrapy stack (robots.txt, redirects, retries, compression, conditional GET) offline.

Each ``response`` record is indexed at start by (host, path+query) and served with the
record's status, headers and body. Requests are dispatched on their ``Host`` header; unknown
URLs get 404. ``If-None-Match``/``If-Modified-Since`` get 304 when they match the record's
``ETag``/``Last-Modified``. Every request is counted per (host, path+query) so tests can
assert what a crawl fetched (and what it never fetched).

Each WARC host gets its own loopback address (127.0.0.11, 127.0.0.12, ...), falling back to
127.0.0.1 with distinct ports where extra loopback addresses cannot be bound (macOS).
Nothing binds outside loopback.

Run standalone: ``python -m snapshot.replay snapshot/outlets.warc.gz`` prints the host →
address map as JSON (the value of Scrapy's ``SNAPSHOT_HOSTS`` setting) and serves until ^C.
No Scrapy import: the server also runs outside crawls.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

logger = logging.getLogger(__name__)

FIRST_ADDRESS = "127.0.0.11"
FALLBACK_ADDRESS = "127.0.0.1"
# Headers describing the stored transfer, not the body we send: the body is served decoded.
_HOP_HEADERS = {"transfer-encoding", "content-encoding", "content-length", "connection",
                "keep-alive"}


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in reversed(self.headers):
            if key.lower() == name:
                return value
        return None


def _target(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = parts.path or "/"
    return (parts.hostname or "").lower(), f"{path}?{parts.query}" if parts.query else path


def load_warc(path: Path | str) -> dict[tuple[str, str], StoredResponse]:
    """Index a WARC's ``response`` records by (host, path+query); a later record for the same
    URL replaces an earlier one. Bodies are stored decoded (chunking and Content-Encoding
    removed) and served with a fresh Content-Length."""
    index: dict[tuple[str, str], StoredResponse] = {}
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            if not url:
                continue
            http = record.http_headers
            status_line = http.get_statuscode() or "200"
            _, _, reason = (http.statusline or "").partition(" ")
            headers = [(k, v) for k, v in http.headers if k.lower() not in _HOP_HEADERS]
            body = record.content_stream().read()
            index[_target(url)] = StoredResponse(int(status_line), reason or "OK", headers, body)
    return index


def not_modified(stored: StoredResponse, request_headers: dict[str, str]) -> bool:
    """True when a conditional GET matches (RFC 9110 §13.2.2: If-None-Match wins)."""
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        etag = stored.header("etag")
        if etag is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag.strip().removeprefix("W/") in tags
    if_modified_since = request_headers.get("if-modified-since")
    last_modified = stored.header("last-modified")
    if if_modified_since is None or last_modified is None:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._reply(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._reply(send_body=False)

    def _reply(self, *, send_body: bool) -> None:
        host = (self.headers.get("Host") or "").lower()
        if host.rpartition(":")[2].isdigit():
            host = host.rpartition(":")[0]
        key = _target(f"http://{host}{self.path}")
        self.server.replay.count(key)
        stored = self.server.replay.index.get(key)
        if stored is None:
            self._send(404, "Not Found", [("Content-Type", "text/plain")], b"not in snapshot\n",
                       send_body)
            return
        request_headers = {k.lower(): v for k, v in self.headers.items()}
        if not_modified(stored, request_headers):
            keep = {"etag", "last-modified", "cache-control", "expires", "date", "vary"}
            headers = [(k, v) for k, v in stored.headers if k.lower() in keep]
            self._send(304, "Not Modified", headers, b"", send_body=False)
            return
        self._send(stored.status, stored.reason, stored.headers, stored.body, send_body)

    def _send(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
              send_body: bool) -> None:
        self.send_response_only(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and status != 304:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        logger.debug("replay %s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replay: ReplayServer


class ReplayServer:
    """Serves a WARC on loopback, one address per host, in background threads.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. After start,
    :attr:`addresses` maps each host to ``"ip:port"``.

    Args:
        warc: path of the WARC (``.warc`` or ``.warc.gz``).
        port: port for every address; 0 picks a free port per address.
        first_address: the first loopback address; later hosts take the following ones.
    """

    def __init__(self, warc: Path | str, port: int = 0, first_address: str = FIRST_ADDRESS):
        self.warc = Path(warc)
        self.port = port
        self.first_address = ipaddress.IPv4Address(first_address)
        if not self.first_address.is_loopback:
            raise ValueError(f"{first_address} is not a loopback address")
        self.index: dict[tuple[str, str], StoredResponse] = {}
        self.addresses: dict[str, str] = {}
        self.counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []

    @property
    def hosts(self) -> list[str]:
        return sorted({host for host, _ in self.index})

    def count(self, key: tuple[str, str]) -> None:
        with self._lock:
            self.counts[key] += 1

    def request_count(self, url: str) -> int:
        """How many requests the server got for ``url`` (scheme ignored)."""
        with self._lock:
            return self.counts[_target(url)]

    def requested_urls(self) -> dict[str, int]:
        """Request counts as ``{"host/path?query": n}``."""
        with self._lock:
            return {f"{host}{path}": n for (host, path), n in sorted(self.counts.items())}

    def start(self) -> dict[str, str]:
        """Index the WARC, bind and serve. Returns the host → ``"ip:port"`` map."""
        self.index = load_warc(self.warc)
        try:
            for offset, host in enumerate(self.hosts):
                self._serve(host, str(self.first_address + offset), self.port)
        except OSError as exc:
            # Only 127.0.0.1 exists on some systems: same address, one port per host.
            logger.info("cannot bind %s (%s); using %s", self.first_address, exc,
                        FALLBACK_ADDRESS)
            self.stop()
            for host in self.hosts:
                self._serve(host, FALLBACK_ADDRESS, 0)
        return dict(self.addresses)

    def _serve(self, host: str, address: str, port: int) -> None:
        server = _Server((address, port), _Handler)
        server.replay = self
        thread = threading.Thread(target=server.serve_forever, name=f"replay-{host}",
                                  kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        self.addresses[host] = f"{address}:{server.server_address[1]}"

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()
        self.addresses.clear()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m snapshot.replay", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warc", type=Path)
    parser.add_argument("--port", type=int, default=0, help="port for every address (0: free)")
    parser.add_argument("--first-address", default=FIRST_ADDRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = ReplayServer(args.warc, port=args.port, first_address=args.first_address)
    addresses = server.start()
    print(json.dumps(addresses), flush=True)
    print(f"serving {len(server.index)} responses of {len(addresses)} hosts; ^C stops",
          file=sys.stderr, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
