"""One loopback HTTP server for the tests: a ``ThreadingHTTPServer`` in a daemon thread that hands
every request to one function (not a test module).

The fault server, the chaos replay and the webhook receiver were three copies of the same ~30
lines (handler, quiet server, thread, fallback address, stop); each now gives only its
``answer(handler)``. Binds only loopback; where extra loopback addresses (127.0.0.x) do not exist,
as on macOS, it falls back to 127.0.0.1. Clients hanging up (timeouts, resets, stopped crawls) are
part of the tests, so the server's error report is silenced, like the request log.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

Answer = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.dispatch(self)

    def do_HEAD(self) -> None:  # noqa: N802
        self.server.dispatch(self)

    def do_POST(self) -> None:  # noqa: N802
        self.server.dispatch(self)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], answer: Answer, methods: frozenset[str],
                 protocol: str):
        handler = type("Handler", (_Handler,), {"protocol_version": protocol})
        super().__init__(address, handler)
        self.answer, self.methods = answer, methods

    def dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.command not in self.methods:
            handler.send_error(501, f"Unsupported method ({handler.command!r})")
            return
        self.answer(handler)

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class LoopbackServer:
    """Serves ``answer(handler)`` on ``address`` (a loopback IP) in a background thread.

    Args:
        answer: called in the request's thread with the ``BaseHTTPRequestHandler``.
        methods: the HTTP methods answered; others get 501, as ``http.server`` gives them.
        protocol: ``HTTP/1.1`` keeps connections alive (a crawl's); ``HTTP/1.0`` closes each.
    """

    def __init__(self, answer: Answer, address: str = "127.0.0.1", port: int = 0, *,
                 methods: tuple[str, ...] = ("GET", "HEAD"), protocol: str = "HTTP/1.1",
                 name: str = "loopback"):
        if not ipaddress.ip_address(address).is_loopback:
            raise ValueError(f"{address} is not a loopback address")
        self.address, self.port, self.name = address, port, name
        self._answer, self._methods, self._protocol = answer, frozenset(methods), protocol
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        """``http://ip:port`` of the running server."""
        assert self._server is not None, "start the server first"
        return f"http://{self.address}:{self._server.server_address[1]}"

    @property
    def bound_port(self) -> int:
        assert self._server is not None, "start the server first"
        return int(self._server.server_address[1])

    def start(self) -> Self:
        try:
            self._server = _Server((self.address, self.port), self._answer, self._methods,
                                   self._protocol)
        except OSError:  # only 127.0.0.1 exists here (macOS)
            self.address = "127.0.0.1"
            self._server = _Server((self.address, 0), self._answer, self._methods,
                                   self._protocol)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name=f"{self.name}-{self.address}")
        self._thread.start()
        return self

    def stop(self) -> None:
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
