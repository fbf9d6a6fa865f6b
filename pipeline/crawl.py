"""Run one outlet's crawl in its own process.

Scrapy's Twisted reactor cannot be restarted inside a process, and crawlers sharing a process
throttle separately; so every crawl is a ``scrapy crawl`` subprocess whose output is files in the
run directory (see docs/architecture.md). This module only launches and summarises it.

A crawl dies with the process that started it, and has a timeout (``pipeline.children``):
without that, a flow killed by a worker or the OOM killer would leave crawls running and writing
into a run directory nobody will load.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from khabar.run.crawlargs import CrawlArgs
from khabar.run.layout import RunFolder
from pipeline.children import ChildFailed, exit_reason, finish, spawn


@dataclass
class CrawlResult:
    """What a crawl process left behind."""

    outlet: str
    returncode: int
    seconds: float
    stats: dict = field(default_factory=dict)
    log_path: str = ""
    log: LogSummary = field(default_factory=lambda: LogSummary())
    started_at: float = 0.0  # epoch seconds: lets a test (or a reader) see crawls overlap
    finished_at: float = 0.0
    write_error: str | None = None  # why the crawl could not write its run files (it stopped)


def failure_reason(result: CrawlResult) -> str | None:
    """Why a crawl counts as failed, or None.

    A crawl fails when its process exits non-zero, leaves no stats, or sends requests and gets
    not a single response (the outlet is unreachable, blocked, or absent from the snapshot):
    Scrapy itself exits 0 in that case. A crawl that could not write its run files (a full
    disk) stopped itself: it fails with the error, whatever else it left.
    """
    if result.write_error:
        return f"could not write its run files: {result.write_error}"
    if result.returncode < 0:
        return f"the crawl process was {exit_reason(result.returncode)}"
    if result.returncode != 0:
        return f"scrapy exited {result.returncode}"
    if not result.stats:
        return "no crawl stats written"
    if result.stats.get("requests", 0) > 0 and result.stats.get("responses", 0) == 0:
        errors = result.stats.get("errors_by_class") or {}
        detail = ", ".join(f"{k} x{v}" for k, v in sorted(errors.items())) or "no response"
        return f"no response to {result.stats['requests']} requests ({detail})"
    return None



def crawl_command(
    outlet: str,
    run_dir: Path,
    run_id: str,
    *,
    snapshot_warc: Path | None = None,
    settings: dict[str, str] | None = None,
    **arguments: Any,
) -> list[str]:
    """The ``scrapy crawl`` command line for one outlet (also what a user could type).

    Args:
        outlet: registry id (the spider's name).
        run_dir, run_id: where the crawl writes, and the id it stamps.
        snapshot_warc: crawl this WARC instead of the live web (``-s SNAPSHOT_WARC=``).
        settings: Scrapy settings (``-s NAME=VALUE``), e.g. a shorter ``DOWNLOAD_TIMEOUT``.
        arguments: the other fields of ``khabar.run.crawlargs.CrawlArgs`` (the window, the
            page cap, the incremental state files, ``backfill``, ``rediscover``), passed to the
            spider as one JSON argument.

    Raises:
        pydantic.ValidationError: an argument the spider would refuse (checked here, before a
            process is started).
    """
    args = CrawlArgs(run_dir=run_dir, run_id=run_id, **arguments)
    cmd = [sys.executable, "-m", "scrapy", "crawl", outlet, "-a", args.spider_argument()]
    if snapshot_warc:
        cmd += ["-s", f"SNAPSHOT_WARC={snapshot_warc}"]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def crawl_outlet(
    outlet: str,
    run_dir: Path,
    run_id: str,
    *,
    timeout: float = 3600,
    **options,
) -> CrawlResult:
    """Crawl one outlet in a subprocess; its full log goes to its log file in the run folder.

    The log passes through this process (a pipe), which writes the file and keeps the lines: on
    a full disk the file loses them, the summary and the failure reason do not.

    Raises:
        pipeline.children.ChildFailed: the crawl ran longer than ``timeout`` seconds (it is killed).
    """
    folder = RunFolder(run_dir)
    log_path = folder.log_file(outlet)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "spiders.settings"}
    started_at = time.time()
    started = time.monotonic()
    lines: list[str] = []
    with log_path.open("wb", buffering=0) as log:  # unbuffered: closing it cannot fail
        proc = spawn(crawl_command(outlet, run_dir, run_id, **options), stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, env=env)
        tee = threading.Thread(target=_tee, args=(proc.stdout, log, lines), daemon=True)
        tee.start()
        code = finish(proc, timeout)
        tee.join(10)
    if code is None:
        raise ChildFailed(f"{outlet}: the crawl was {exit_reason(code, timeout)}")
    return CrawlResult(
        outlet=outlet,
        returncode=code,
        seconds=round(time.monotonic() - started, 2),
        stats=read_stats(folder.crawl_stats_file(outlet)),
        log_path=str(log_path),
        log=summarise_log(lines),
        started_at=started_at,
        finished_at=time.time(),
        write_error=next((m["error"] for line in lines if (m := _WRITE_ERROR.search(line))),
                         None),
    )


# The line spiders.pipelines.RawStorePipeline logs when it stops a crawl it cannot store.
_WRITE_ERROR = re.compile(r"Cannot write run files under .*?: (?P<error>.*?); stopping the crawl")


def read_stats(path: Path) -> dict:
    """A crawl's stats file (``RunFolder.crawl_stats_file``); empty when missing or unreadable
    (a crawl killed, or a full disk, before it was written whole)."""
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stats if isinstance(stats, dict) else {}


def _tee(pipe: IO[bytes] | None, log: IO[bytes], lines: list[str]) -> None:
    """Copy the crawl's output into its log file and ``lines``; a file that cannot be written
    any more (a full disk) is given up, the lines are still kept."""
    if pipe is None:
        return
    writable = True
    pending = ""
    reader = cast(io.BufferedReader, pipe)  # Popen's pipes (typed IO[bytes]) are buffered
    with reader:
        for chunk in iter(lambda: reader.read1(65536), b""):
            if writable:
                try:
                    log.write(chunk)
                except OSError:
                    writable = False
            parts = (pending + chunk.decode("utf-8", errors="replace")).split("\n")
            pending = parts.pop()
            lines.extend(parts)
    if pending:
        lines.append(pending)


# "2026-11-23 20:13:12 [scrapy.core.engine] ERROR: message"
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(?P<logger>[^\]]+)\] "
                       r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL): (?P<message>.*)$")
_URL = re.compile(r"<?\w+ https?://\S+>?|https?://\S+")
_NUMBER = re.compile(r"\b\d+\b")


@dataclass
class LogSummary:
    """A Scrapy log reduced to counts per level and its distinct problems."""

    levels: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[str, int]] = field(default_factory=list)  # (pattern, times), worst first
    tracebacks: int = 0

    def line(self) -> str:
        levels = ", ".join(f"{k} {v}" for k, v in sorted(self.levels.items())) or "empty"
        return f"log lines: {levels}; tracebacks: {self.tracebacks}"


def summarise_log(lines: list[str], *, top: int = 5) -> LogSummary:
    """Count a Scrapy log's lines per level; group WARNING+ messages with URLs and numbers masked.

    Args:
        lines: the log's lines (continuation lines of a record are ignored).
        top: how many distinct problems to keep.
    """
    levels: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    tracebacks = 0
    for line in lines:
        if line.startswith("Traceback"):
            tracebacks += 1
        match = _LOG_LINE.match(line)
        if not match:
            continue
        levels[match["level"]] += 1
        if match["level"] in ("WARNING", "ERROR", "CRITICAL"):
            message = _NUMBER.sub("N", _URL.sub("<url>", match["message"]))[:200]
            problems[f"{match['level']} [{match['logger']}] {message}"] += 1
    return LogSummary(dict(levels), problems.most_common(top), tracebacks)
