"""A programmable loopback HTTP server for fault-injection tests (not a test module).

Each path gets a script of replies: status, headers, body, a delay before answering, and how
many times a reply is given before the next one takes over (the last one repeats forever), so
"two 503s with Retry-After, then 200" is ``server.route("/a/", Reply(503, {...}, times=2),
Reply(200, body=b"ok"))``. Header values may be callables, evaluated when the reply is sent
(an HTTP date relative to *now*). Unscripted paths get 404. Every request is logged with its
headers, so tests assert what a crawl asked for, how often and with which User-Agent.

Binds only loopback (127.0.0.x, falling back to 127.0.0.1 where extra loopback addresses do not
exist, as on macOS); threads are daemons; ``stop()`` wakes replies that are still stalling.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

HeaderValue = str | Callable[[], str]


@dataclass
class Reply:
    """One scripted answer. ``times``: how often it is given before the next reply of the
    path's script (ignored for the last one, which repeats)."""

    status: int = 200
    headers: dict[str, HeaderValue] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    times: int = 1


@dataclass(frozen=True)
class Seen:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.fault.answer(self)

    def do_HEAD(self) -> None:  # noqa: N802
        self.server.fault.answer(self)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fault: FaultServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up (timeouts, stopped crawls) are part of the tests


class FaultServer:
    """Serves scripted replies on ``address`` (a loopback IP) in a background thread."""

    def __init__(self, address: str = "127.0.0.21", port: int = 0):
        if not ipaddress.ip_address(address).is_loopback:
            raise ValueError(f"{address} is not a loopback address")
        self.address = address
        self.port = port
        self.log: list[Seen] = []
        self._scripts: dict[str, list[Reply]] = {}
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- scripting -----------------------------------------------------------------------------

    def route(self, path: str, *replies: Reply) -> Self:
        """Script the replies for ``path`` (path and query, e.g. ``/feed/?paged=2``)."""
        if not replies:
            raise ValueError("route needs at least one Reply")
        with self._lock:
            self._scripts[path] = list(replies)
            self._served[path] = 0
        return self

    def html(self, path: str, body: str, status: int = 200) -> Self:
        return self.route(path, Reply(status, {"Content-Type": "text/html; charset=utf-8"},
                                      body.encode()))

    def redirect(self, path: str, location: str, status: int = 301) -> Self:
        return self.route(path, Reply(status, {"Location": location}))

    @property
    def base(self) -> str:
        """``http://ip:port`` of the running server."""
        assert self._server is not None, "start the server first"
        return f"http://{self.address}:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        """Requests received for ``path``."""
        with self._lock:
            return sum(1 for seen in self.log if seen.path == path)

    # -- serving -------------------------------------------------------------------------------

    def _next_reply(self, path: str) -> Reply | None:
        with self._lock:
            script = self._scripts.get(path)
            if script is None:
                return None
            served = self._served[path]
            self._served[path] = served + 1
            for reply in script[:-1]:
                if served < reply.times:
                    return reply
                served -= reply.times
            return script[-1]

    def answer(self, handler: _Handler) -> None:
        with self._lock:
            self.log.append(Seen(handler.command, handler.path,
                                 {k.lower(): v for k, v in handler.headers.items()}))
        reply = self._next_reply(handler.path)
        if reply is None:
            reply = Reply(404, {"Content-Type": "text/plain"}, b"not scripted\n")
        if reply.delay and self._stopping.wait(reply.delay):
            return
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value() if callable(value) else value)
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to tell it

    def start(self) -> Self:
        try:
            self._server = _Server((self.address, self.port), _Handler)
        except OSError:
            self.address = "127.0.0.1"
            self._server = _Server((self.address, 0), _Handler)
        self._server.fault = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name=f"faultserver-{self.address}")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
