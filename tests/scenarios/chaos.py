"""A loopback replay of the snapshot that fails a share of requests, and the convergence scenario
that runs the real nightly flow against it night after night (not a test module).

:class:`ChaosServer` serves ``snapshot/outlets.warc.gz`` like ``snapshot.replay`` (dispatch on
the ``Host`` header, 304 on matching validators) on one loopback address, and answers about
``rate`` of the URLs with a fault instead. The choice is a hash of (seed, night, host, path):
deterministic, the same for every attempt at a URL during one night (so the crawl's own retries
cannot hide it and only the next night can), and different from night to night. The kinds are
what a struggling or defended site does:

========== =====================================================================
http_503   ``503 Service Unavailable``
http_429   ``429 Too Many Requests`` with ``Retry-After: 1``
reset      the connection is reset before any response (RST)
stall      nothing is sent until the client gives up (past ``DOWNLOAD_TIMEOUT``)
truncated  the stored response, its body cut in half, then the connection closed
empty      ``200`` with an empty body
challenge  ``200`` with a bot-challenge page ("Just a moment...")
========== =====================================================================

:func:`converge` runs the nightly flow on one warehouse until every article of
``snapshot/expected.json`` is loaded (or ``max_nights`` pass) and returns what each night did.
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler as _Handler
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

import duckdb

from khabar.run.layout import RunFolder, outlet_of
from snapshot import SNAPSHOT_WARC, load_expected, normalise_space
from snapshot.replay import StoredResponse, load_warc, not_modified
from tests.support.loopback import LoopbackServer

KINDS = ("http_503", "http_429", "reset", "stall", "truncated", "empty", "challenge")
CHALLENGE = b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"><meta name="robots" content="noindex,nofollow">
</head><body><div class="main-wrapper" role="main"><div class="main-content">
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div>
</noscript><div id="challenge-body-text" class="core-msg spacer">This site needs to review the
security of your connection before proceeding.</div></div></div>
<script>window._cf_chl_opt={cvId: '3', cType: 'managed'};</script>
<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script>
</body></html>"""


def detected_kinds() -> tuple[str, ...]:
    """The kinds the pipeline can tell from a good page. A bot challenge needs extraction's
    ``blocked`` verdict (``transforms/record.py``); without it the challenge page is stored as
    a non-article and never asked again, so ``challenge`` is left out until it exists."""
    from transforms.record import Verdict

    if "blocked" in {v.value for v in Verdict}:
        return KINDS
    return tuple(kind for kind in KINDS if kind != "challenge")


@dataclass(frozen=True)
class Hit:
    """One request the server received, and the fault it got (None: served normally)."""

    night: int
    host: str
    path: str
    fault: str | None


class ChaosServer:
    """The snapshot on one loopback address, with faults (see the module docstring).

    Args:
        rate: share of URLs that fail on a night (0 turns random faults off).
        seed: changes which URLs fail.
        stall: seconds a ``stall`` holds the connection (longer than the crawl's timeout).
        kinds: the fault kinds drawn from.
        address: loopback address to bind.
    """

    def __init__(self, rate: float = 0.2, seed: str = "khabar", stall: float = 4.0,
                 kinds: tuple[str, ...] = KINDS, address: str = "127.0.0.41",
                 warc: Path = SNAPSHOT_WARC):
        self.rate, self.seed, self.stall, self.kinds = rate, seed, stall, kinds
        self._loopback = LoopbackServer(self.answer, address, methods=("GET",), name="chaos")
        self.night = 1
        self.forced: dict[tuple[int, str], str] = {}  # (night, "host/path") -> kind
        self.hits: list[Hit] = []
        self.index: dict[tuple[str, str], StoredResponse] = load_warc(warc)
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    # -- faults --------------------------------------------------------------------------------

    def fault(self, host: str, path: str) -> str | None:
        """The fault of ``host`` + ``path`` tonight (forced ones first), or None."""
        forced = self.forced.get((self.night, f"{host}{path}"))
        if forced is not None:
            return forced or None
        digest = hashlib.sha256(f"{self.seed}|{self.night}|{host}{path}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        if draw >= self.rate:
            return None
        return self.kinds[int(draw / self.rate * len(self.kinds))]

    def force(self, night: int, url: str, kind: str) -> None:
        """Make ``url`` get ``kind`` on ``night`` (``""``: served normally that night)."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.forced[(night, f"{parts.hostname}{path}")] = kind

    def injected(self, night: int | None = None) -> Counter[str]:
        """Faults served, by kind (one per request: retries of a failing URL count again)."""
        with self._lock:
            return Counter(h.fault for h in self.hits
                           if h.fault and (night is None or h.night == night))

    def requests(self, night: int | None = None) -> int:
        with self._lock:
            return sum(1 for h in self.hits if night is None or h.night == night)

    def failed_urls(self, night: int) -> set[str]:
        """``host/path`` of the URLs that got a fault on ``night``."""
        with self._lock:
            return {f"{h.host}{h.path}" for h in self.hits if h.night == night and h.fault}

    # -- serving -------------------------------------------------------------------------------

    def answer(self, handler: _Handler) -> None:
        host = (handler.headers.get("Host") or "").lower().rpartition(":")[0] or (
            handler.headers.get("Host") or "").lower()
        path = handler.path
        kind = self.fault(host, path)
        with self._lock:
            self.hits.append(Hit(self.night, host, path, kind))
        stored = self.index.get((host, path))
        try:
            if kind is None:
                self._replay(handler, stored)
            else:
                self._fail(handler, kind, stored)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first

    def _replay(self, handler: _Handler, stored: StoredResponse | None) -> None:
        if stored is None:
            self._send(handler, 404, [("Content-Type", "text/plain")], b"not in snapshot\n")
            return
        if not_modified(stored, {k.lower(): v for k, v in handler.headers.items()}):
            keep = {"etag", "last-modified", "cache-control", "expires", "date", "vary"}
            self._send(handler, 304, [(k, v) for k, v in stored.headers if k.lower() in keep],
                       b"")
            return
        self._send(handler, stored.status, stored.headers, stored.body)

    def _fail(self, handler: _Handler, kind: str, stored: StoredResponse | None) -> None:
        html = [("Content-Type", "text/html; charset=utf-8")]
        if kind == "http_503":
            self._send(handler, 503, html, b"<h1>Service Unavailable</h1>")
        elif kind == "http_429":
            self._send(handler, 429, [*html, ("Retry-After", "1")], b"<h1>Slow down</h1>")
        elif kind == "empty":
            self._send(handler, 200, html, b"")
        elif kind == "challenge":
            self._send(handler, 200, [*html, ("Server", "cloudflare"),
                                      ("cf-mitigated", "challenge")], CHALLENGE)
        elif kind == "truncated" and stored is not None and len(stored.body) > 1:
            handler.send_response_only(stored.status)
            for name, value in stored.headers:
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(stored.body)))
            handler.end_headers()
            handler.wfile.write(stored.body[: len(stored.body) // 2])
            handler.wfile.flush()
            self._reset(handler)
        elif kind == "stall":
            self._stopping.wait(self.stall)
            handler.close_connection = True
        else:  # reset (and a truncated empty body)
            self._reset(handler)

    @staticmethod
    def _reset(handler: _Handler) -> None:
        """Close with RST: SO_LINGER 0 makes close() abort the connection."""
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
        handler.close_connection = True
        handler.connection.close()

    @staticmethod
    def _send(handler: _Handler, status: int, headers: list[tuple[str, str]],
              body: bytes) -> None:
        handler.send_response_only(status)
        for name, value in headers:
            handler.send_header(name, value)
        if status != 304:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if status != 304:
            handler.wfile.write(body)

    @property
    def address(self) -> str:
        """The loopback IP served (127.0.0.1 where the one asked for does not exist)."""
        return self._loopback.address

    def start(self) -> Self:
        self._loopback.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._loopback.stop()

    def hosts(self) -> dict[str, str]:
        """``SNAPSHOT_HOSTS``: every snapshot host to this server."""
        where = f"{self.address}:{self._loopback.bound_port}"
        return {host: where for host in sorted({h for h, _ in self.index})}

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def crawl_settings(server: ChaosServer, timeout: float = 1.0) -> dict[str, str]:
    """Scrapy settings for crawls of ``server``: short timeouts and backoff, one retry."""
    return {"SNAPSHOT_HOSTS": json.dumps(server.hosts()), "DOWNLOAD_TIMEOUT": str(timeout),
            "RETRY_TIMES": "1", "BACKOFF_BASE_DELAY": "0.1", "BACKOFF_MAX_DELAY": "2",
            "AUTOTHROTTLE_START_DELAY": "0.1"}


# -- the warehouse after a night -------------------------------------------------------------------

@dataclass
class Tally:
    """The snapshot's articles in a warehouse."""

    expected: int
    loaded: int  # expected canonical URLs present
    rows: int  # rows of ``articles``
    duplicates: int  # rows beyond one per canonical URL
    extra_versions: int  # article versions beyond the first (a bad page stored, then fixed)
    refetched: int  # article pages extracted more than once (a stored article asked again)
    wrong: list[str]  # expected URLs whose stored title is not the expected one
    unexpected: list[str]  # stored URLs that are not snapshot articles
    missing: list[str]

    @property
    def lost(self) -> int:
        return len(self.missing)

    @property
    def complete(self) -> bool:
        return not (self.missing or self.duplicates or self.extra_versions or self.wrong
                    or self.unexpected)


def tally(db: Path) -> Tally:
    """Compare the warehouse's articles with ``snapshot/expected.json``."""
    expected = {e["url"]: e for e in load_expected()}
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select canonical_url, title from articles").fetchall()
        versions = con.execute("select count(*) - count(distinct article_id) "
                               "from article_versions").fetchone()[0]
        refetched = con.execute("select count(*) - count(distinct canonical_url) "
                                "from extractions where verdict = 'article'").fetchone()[0]
    titles = {url: title for url, title in rows}
    present = set(titles) & set(expected)
    wrong = sorted(u for u in present
                   if normalise_space(titles[u] or "") != normalise_space(expected[u]["title"]))
    return Tally(expected=len(expected), loaded=len(present), rows=len(rows),
                 duplicates=len(rows) - len(titles), extra_versions=int(versions),
                 refetched=int(refetched),
                 wrong=wrong, unexpected=sorted(set(titles) - set(expected)),
                 missing=sorted(set(expected) - present))


def failures(db: Path, run_id: str) -> dict[str, str | None]:
    """Every URL a run recorded, with its failure class as the warehouse keeps it (``HttpError
    503``, ``DownloadTimeoutError``, ``verdict blocked``...) or None for a success."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select f.url, case when e.url is not null then 'verdict ' || e.verdict "
            "when f.error is not null or f.status >= 400 then concat_ws(' ', f.error, "
            "case when f.status >= 400 then f.status end) end "
            "from fetches f left join extractions e on e.run_id = f.run_id and e.url = f.url "
            "and e.verdict in ('error', 'blocked') where f.run_id = ?", [run_id]).fetchall()
    found: dict[str, str | None] = {}
    for url, failure in rows:
        found[url] = found.get(url) or failure
    return found


def recorded_by_kind(server: ChaosServer, night: int, recorded: dict[str, str | None]
                     ) -> tuple[dict[str, Counter[str]], list[str]]:
    """For each fault kind served on ``night``, the failure classes the warehouse recorded for
    those URLs; and the faulted URLs recorded as a success (there should be none). URLs the
    crawl never records (robots.txt asked by Scrapy's robots middleware) are left out."""
    by_url = {urlsplit(url)._replace(scheme="").geturl().removeprefix("//"): failure
              for url, failure in recorded.items()}
    by_kind: dict[str, Counter[str]] = {}
    missed = []
    with server._lock:
        hits = {(f"{h.host}{h.path}", h.fault) for h in server.hits
                if h.night == night and h.fault}
    for url, kind in sorted(hits):
        if url not in by_url:
            continue
        if by_url[url] is None:
            missed.append(url)
        else:  # the class, without the status (``HttpError 503``), or the verdict
            failure = by_url[url]
            name = failure if failure.startswith("verdict") else failure.split(" ")[0]
            by_kind.setdefault(kind, Counter())[name] += 1
    return by_kind, missed


# -- the scenario ----------------------------------------------------------------------------------

@dataclass
class Night:
    """What one night of the convergence scenario did."""

    night: int
    run_id: str
    state: str  # the flow run's state name (Completed, Warned, Failed)
    message: str
    seconds: float
    requests: int
    faults: dict[str, int]
    recorded: dict[str, int]  # failures by class in the warehouse
    by_kind: dict[str, dict[str, int]]  # fault kind -> failure classes recorded for its URLs
    missed: list[str]  # URLs that got a fault and were recorded as a success
    retried: int  # article URLs the night asked again (retry files)
    rediscovered: list[str]  # outlets read whole because a source failed the night before
    tally: Tally


@dataclass
class Convergence:
    """The nights it took until every snapshot article was loaded once."""

    nights: list[Night] = field(default_factory=list)

    @property
    def converged_after(self) -> int | None:
        for night in self.nights:
            if night.tally.complete:
                return night.night
        return None

    def faults(self) -> Counter[str]:
        return sum((Counter(n.faults) for n in self.nights), Counter())

    def by_kind(self) -> dict[str, Counter[str]]:
        """Fault kind -> failure classes recorded for its URLs, over all nights."""
        total: dict[str, Counter[str]] = {}
        for night in self.nights:
            for kind, classes in night.by_kind.items():
                total.setdefault(kind, Counter()).update(classes)
        return total

    def requests(self) -> int:
        return sum(n.requests for n in self.nights)


def converge(run_night: Callable[..., Any], db: Path, runs_dir: Path, server: ChaosServer,
             *, max_nights: int = 6) -> Convergence:
    """Run nights on one warehouse until the snapshot is fully loaded or ``max_nights`` pass.

    Args:
        run_night: ``flows.nightly.nightly`` (it runs under the caller's Prefect API).
        db, runs_dir: the warehouse file and the run folder root.
        server: a started :class:`ChaosServer`; its ``night`` is advanced here.
    """
    result = Convergence()
    for night in range(1, max_nights + 1):
        server.night = night
        started = time.monotonic()
        # Extraction in the flow process: a night of a few pages does not need a pool.
        state = run_night(snapshot=True, db_path=str(db), runs_dir=str(runs_dir),
                          max_parallel_crawls=3, extract_workers=0,
                          crawl_settings=crawl_settings(server), return_state=True)
        seconds = time.monotonic() - started
        run_id = _latest_run_id(db)
        plans = _plans(runs_dir / run_id)
        recorded = failures(db, run_id)
        by_kind, missed = recorded_by_kind(server, night, recorded)
        result.nights.append(Night(
            night=night, run_id=run_id, state=state.name or "", message=state.message or "",
            seconds=round(seconds, 1), requests=server.requests(night),
            faults=dict(server.injected(night)),
            recorded=dict(sorted(Counter(f for f in recorded.values() if f).items())),
            by_kind={k: dict(v) for k, v in by_kind.items()}, missed=missed,
            retried=sum(len(p["retry"]) for p in plans.values()),
            rediscovered=sorted(o for o, p in plans.items() if p["rediscover"]),
            tally=tally(db)))
        if result.nights[-1].tally.complete:
            break
    return result


def _latest_run_id(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select run_id from crawl_runs order by started_at desc "
                           "limit 1").fetchone()[0]


def _plans(run_dir: Path) -> dict[str, dict[str, Any]]:
    return {outlet_of(path): json.loads(path.read_text())
            for path in RunFolder(run_dir).plan_files()}
