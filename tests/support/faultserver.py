"""A programmable loopback HTTP server for fault-injection tests (not a test module).

Each path gets a script of replies: status, headers, body, a delay before answering, and how
many times a reply is given before the next one takes over (the last one repeats forever), so
"two 503s with Retry-After, then 200" is ``server.route("/a/", Reply(503, {...}, times=2),
Reply(200, body=b"ok"))``. Header values may be callables, evaluated when the reply is sent
(an HTTP date relative to *now*). Unscripted paths get 404. Every request is logged with its
headers, so tests assert what a crawl asked for, how often and with which User-Agent.

Faults below HTTP are knobs of :class:`Reply`: a declared ``length`` that differs from what is
sent (truncated bodies), ``send_bytes`` then ``hang_up`` ("close", or "reset" for a TCP RST),
``raw`` bytes instead of a response (a reset before any byte, a broken status line), a body
``stream`` produced in chunks (50 MB pages never held in memory) with a ``chunk_delay`` (a
body that drips slower than any timeout). The functions after :class:`Reply` build the usual
faults: :func:`reset`, :func:`truncated`, :func:`gzip_bomb`, :func:`huge`, :func:`drip`,
:func:`typed` (any body with any Content-Type, e.g. :data:`PDF`, :data:`PNG`), and the bot
challenge pages :data:`CHALLENGES` that answer 200.

Binds only loopback (127.0.0.x, falling back to 127.0.0.1 where extra loopback addresses do not
exist, as on macOS); threads are daemons; ``stop()`` wakes replies that are still stalling.
"""

from __future__ import annotations

import socket
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Literal, Self

from tests.support.loopback import LoopbackServer

HeaderValue = str | Callable[[], str]
HTML = "text/html; charset=utf-8"


@dataclass
class Reply:
    """One scripted answer. ``times``: how often it is given before the next reply of the
    path's script (ignored for the last one, which repeats).

    Fault knobs (all off by default):
        length: the Content-Length to declare: ``"auto"`` (the body's, or none for a
            ``stream``), ``"none"`` (no header: the body ends when the connection closes)
            or a number (larger than what is sent: a truncated body).
        stream: called once per reply, yields the body in chunks (instead of ``body``).
        chunk_delay: seconds to wait after each chunk (a body dripping slower than a timeout).
        send_bytes: send only this many body bytes, then hang up.
        hang_up: end the connection after the reply: ``"close"`` (FIN) or ``"reset"`` (RST).
        raw: bytes to send verbatim instead of a response (``b""``: nothing), then hang up.
    """

    status: int = 200
    headers: dict[str, HeaderValue] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    times: int = 1
    length: int | Literal["auto", "none"] = "auto"
    stream: Callable[[], Iterator[bytes]] | None = None
    chunk_delay: float = 0.0
    send_bytes: int | None = None
    hang_up: Literal["close", "reset"] | None = None
    raw: bytes | None = None


def reset(sent: bytes = b"") -> Reply:
    """A connection reset (TCP RST) after ``sent`` (default: before any byte of a response)."""
    return Reply(raw=sent, hang_up="reset")


def truncated(body: bytes, sent: int, *, how: Literal["close", "reset"] = "close") -> Reply:
    """An HTML reply declaring ``len(body)`` bytes that hangs up after ``sent`` of them."""
    return Reply(200, {"Content-Type": HTML}, body, send_bytes=sent, hang_up=how)


def gzip_bomb(inflated: int, *, chunk: int = 1 << 20) -> Reply:
    """A small gzip body (``Content-Encoding: gzip``) inflating to ``inflated`` bytes of
    spaces: ~1 KB per MB. Compressed one reused 1 MB block at a time: the inflated body never
    exists here."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    block = b" " * chunk
    parts = [packer.compress(block) for _ in range(-(-inflated // chunk))]
    parts.append(packer.flush())
    return Reply(200, {"Content-Type": HTML, "Content-Encoding": "gzip"}, b"".join(parts))


_HUGE_HEAD = b"<!doctype html><html><head><title>Huge</title></head><body>\n"


def _filler(total: int, chunk: int) -> Iterator[bytes]:
    """``total`` bytes of paragraphs after :data:`_HUGE_HEAD`, ``chunk`` bytes at a time."""
    line = b"<p>" + b"Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 8 + b"</p>\n"
    block = (line * (chunk // len(line) + 1))[:chunk]
    yield _HUGE_HEAD
    sent = 0
    while sent < total:
        part = block[: total - sent]
        sent += len(part)
        yield part


def huge(total: int, *, declare_length: bool = True, chunk: int = 1 << 16) -> Reply:
    """An HTML page of ``total`` bytes (plus a line of head) streamed in ``chunk``-byte pieces,
    never built whole, with its Content-Length or without one (then the client finds the size
    only by reading)."""
    return Reply(200, {"Content-Type": HTML}, stream=lambda: _filler(total, chunk),
                 length=len(_HUGE_HEAD) + total if declare_length else "none")


def drip(total: int, every: float, *, chunk: int = 64) -> Reply:
    """An HTML page whose ``total`` bytes come ``chunk`` at a time, one chunk per ``every``
    seconds: headers arrive at once, the body stalls (a timeout must cover the body)."""
    return Reply(200, {"Content-Type": HTML}, stream=lambda: _filler(total, chunk),
                 chunk_delay=every, length="none")


def typed(body: bytes, content_type: str | None, status: int = 200) -> Reply:
    """``body`` with this Content-Type (None: no Content-Type header at all)."""
    return Reply(status, {"Content-Type": content_type} if content_type else {}, body)


# A minimal but valid one-page PDF and a 1x1 PNG: what a CMS serves at an article URL when the
# "article" is a scanned communiqué or a photo.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")

# Bot-challenge pages as anti-bot services serve them, with status 200 (name → headers, body).
CHALLENGES: dict[str, tuple[dict[str, HeaderValue], bytes]] = {
    "cloudflare": ({"Content-Type": HTML, "Server": "cloudflare", "cf-mitigated": "challenge"},
                   b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="robots" content="noindex,nofollow"></head><body><div class="main-wrapper" role="main">
<div class="main-content"><h1 class="zone-name-title h1">lebrief.ma</h1>
<h2 class="h2" id="challenge-running">Verifying you are human. This may take a few seconds.</h2>
<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to
continue</span></div></noscript><div id="challenge-body-text" class="core-msg spacer">lebrief.ma
needs to review the security of your connection before proceeding.</div></div></div>
<script>(function(){window._cf_chl_opt={cvId:'3',cZone:'lebrief.ma',cType:'managed'};
var a=document.createElement('script');
a.src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8e1f0c2b';
document.getElementsByTagName('head')[0].appendChild(a);}());</script>
<div class="footer" role="contentinfo">Ray ID: <code>8e1f0c2b</code> Performance &amp; security
by Cloudflare</div></body></html>"""),
    "cloudflare_legacy_fr": ({"Content-Type": HTML}, """<!DOCTYPE HTML><html lang="fr"><head>
<title>Un instant…</title><meta charset="UTF-8"></head><body><table width="100%" height="100%">
<tr><td align="center" valign="middle"><div class="cf-browser-verification cf-im-under-attack">
<h1><span data-translate="checking_browser">Vérification de votre navigateur avant d'accéder à
</span> h24info.ma.</h1><p data-translate="process_is_automatic">Ce processus est automatique.
Votre navigateur vous redirigera vers le contenu demandé sous peu.</p><p>Veuillez patienter
jusqu'à 5 secondes…</p><form id="challenge-form" action="/a/?__cf_chl_jschl_tk__=x"
method="POST"><input type="hidden" name="r" value="0"/></form></div>
<div class="attribution">Protection DDoS par Cloudflare · Ray ID: 5c7a</div></td></tr></table>
</body></html>""".encode()),
    "captcha": ({"Content-Type": HTML}, """<!doctype html><html lang="fr"><head>
<title>Vérification de sécurité</title><script src="https://www.google.com/recaptcha/api.js"
async defer></script></head><body><main><h1>Êtes-vous un robot ?</h1><p>Nous avons détecté
un trafic inhabituel depuis votre réseau. Cochez la case ci-dessous pour continuer.</p>
<form method="post" action="/verify"><div class="g-recaptcha" data-sitekey="6LeIxAcT"></div>
<button type="submit">Continuer</button></form></main></body></html>""".encode()),
    "datadome": ({"Content-Type": HTML}, b"""<html><head><title>leseco.ma</title>
<style>#cmsg{animation: A 1.5s;}@keyframes A{0%{opacity:0;}99%{opacity:0;}100%{opacity:1;}}
</style></head><body style="margin:0"><p id="cmsg">Please enable JS and disable any ad blocker
</p><script data-cfasync="false">var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2211F522',
't':'fe','s':45533,'e':'9a0c','host':'geo.captcha-delivery.com'}</script>
<script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script></body></html>
"""),
}


@dataclass(frozen=True)
class Seen:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]


def _hang_up(handler: BaseHTTPRequestHandler, how: Literal["close", "reset"]) -> None:
    """End the connection now: a FIN after what was sent, or an RST (linger 0 then close)."""
    handler.close_connection = True
    if how == "reset":
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
        handler.connection.close()


class FaultServer:
    """Serves scripted replies on ``address`` (a loopback IP) in a background thread."""

    def __init__(self, address: str = "127.0.0.21", port: int = 0):
        self._loopback = LoopbackServer(self.answer, address, port, name="faultserver")
        self.log: list[Seen] = []
        self._scripts: dict[str, list[Reply]] = {}
        self._served: dict[str, int] = {}
        self._sent: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()

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
        return self.route(path, Reply(status, {"Content-Type": HTML}, body.encode()))

    def redirect(self, path: str, location: str, status: int = 301) -> Self:
        return self.route(path, Reply(status, {"Location": location}))

    @property
    def address(self) -> str:
        """The loopback IP served (127.0.0.1 where the one asked for does not exist)."""
        return self._loopback.address

    @property
    def base(self) -> str:
        """``http://ip:port`` of the running server."""
        return self._loopback.base

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        """Requests received for ``path``."""
        with self._lock:
            return sum(1 for seen in self.log if seen.path == path)

    def bytes_sent(self, path: str) -> int:
        """Body bytes written for ``path`` (all requests): how much a client read, plus what
        the socket buffers took before it hung up."""
        with self._lock:
            return self._sent.get(path, 0)

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

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.log.append(Seen(handler.command, handler.path,
                                 {k.lower(): v for k, v in handler.headers.items()}))
        reply = self._next_reply(handler.path)
        if reply is None:
            reply = Reply(404, {"Content-Type": "text/plain"}, b"not scripted\n")
        if reply.delay and self._stopping.wait(reply.delay):
            return
        try:
            if reply.raw is not None:
                handler.wfile.write(reply.raw)
            else:
                self._send(handler, reply)
            if reply.hang_up or reply.raw is not None:
                _hang_up(handler, reply.hang_up or "close")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout or a size limit): nothing to tell it

    def _send(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value() if callable(value) else value)
        length = reply.length
        if length == "auto":
            length = "none" if reply.stream else len(reply.body)
        if length == "none":
            handler.send_header("Connection", "close")
            handler.close_connection = True
        else:
            handler.send_header("Content-Length", str(length))
        handler.end_headers()
        if handler.command == "HEAD":
            return
        budget = reply.send_bytes
        for chunk in reply.stream() if reply.stream else (reply.body,):
            if budget is not None:
                chunk, budget = chunk[:budget], budget - min(budget, len(chunk))
            handler.wfile.write(chunk)
            with self._lock:
                self._sent[handler.path] = self._sent.get(handler.path, 0) + len(chunk)
            if budget == 0 or (reply.chunk_delay and self._stopping.wait(reply.chunk_delay)):
                return

    def start(self) -> Self:
        self._loopback.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes replies still stalling
        self._loopback.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
