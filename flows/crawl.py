"""Run one outlet's crawl in its own process.

Scrapy's Twisted reactor cannot be restarted inside a process, and crawlers sharing a process
throttle separately; so every crawl is a ``scrapy crawl`` subprocess whose output is files in the
run directory (see docs/architecture.md). This module only launches and summarises it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flows.paths import PROJECT_ROOT


@dataclass
class CrawlResult:
    """What a crawl process left behind."""

    outlet: str
    returncode: int
    seconds: float
    stats: dict = field(default_factory=dict)
    log_path: str = ""
    log_tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def crawl_command(
    outlet: str,
    run_dir: Path,
    run_id: str,
    *,
    snapshot_warc: Path | None = None,
    seen_file: Path | None = None,
    since: date | None = None,
    max_pages: int | None = None,
) -> list[str]:
    """The ``scrapy crawl`` command line for one outlet (also what a user would type)."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", outlet,
           "-a", f"run_dir={run_dir}", "-a", f"run_id={run_id}"]
    if seen_file:
        cmd += ["-a", f"seen_file={seen_file}"]
    if since:
        cmd += ["-a", f"since={since.isoformat()}"]
    if max_pages:
        cmd += ["-a", f"max_pages={max_pages}"]
    if snapshot_warc:
        cmd += ["-s", f"SNAPSHOT_WARC={snapshot_warc}"]
    return cmd


def crawl_outlet(
    outlet: str,
    run_dir: Path,
    run_id: str,
    *,
    timeout: float = 3600,
    **options,
) -> CrawlResult:
    """Crawl one outlet in a subprocess; its full log goes to ``run_dir/logs/<outlet>.log``.

    Raises:
        subprocess.TimeoutExpired: the crawl ran longer than ``timeout`` seconds (it is killed).
    """
    log_path = run_dir / "logs" / f"{outlet}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "spiders.settings"}
    started = time.monotonic()
    with log_path.open("wb") as log:
        proc = subprocess.run(
            crawl_command(outlet, run_dir, run_id, **options),
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            timeout=timeout, check=False,
        )
    stats_path = run_dir / "crawl" / f"{outlet}.json"
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    lines = log_path.read_text(errors="replace").splitlines()
    return CrawlResult(
        outlet=outlet,
        returncode=proc.returncode,
        seconds=round(time.monotonic() - started, 2),
        stats=stats,
        log_path=str(log_path),
        log_tail=[ln for ln in lines if " ERROR" in ln or "Traceback" in ln][-5:] or lines[-3:],
    )
