"""Process and disk faults for the tests and ``make reliability`` (not a test module).

Helpers to watch a process tree and kill by PID (psutil), to mount a small file system (tmpfs,
as root) and to read how a night ended. ``tests/test_night_failures.py`` injects one fault per
test; :func:`process_faults` (``make reliability``) injects each fault into a real night on one
warehouse and runs nights after it until every snapshot article is stored.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psutil
import pytest
import yaml

# A crawl slowed (not failing) so that a kill finds it running.
SLOW_CRAWL_SETTINGS = {"DOWNLOAD_DELAY": "0.4", "AUTOTHROTTLE_ENABLED": "False",
                       "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}


# -- process trees --------------------------------------------------------------------------------

def wait_for(check: Callable[[], object], timeout: float, what: str) -> object:
    """Poll ``check`` every 50 ms until it returns something true; its value."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout:.0f} s")
        time.sleep(0.05)
    return found


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def pool_of(pid: int, workers: int) -> list[psutil.Process]:
    """The extraction forkserver and its workers under ``pid``, once ``workers`` are up."""
    try:
        tree = descendants(pid)
        servers = [p for p in tree if "forkserver" in " ".join(p.cmdline())
                   and "forkserver" not in " ".join(p.parent().cmdline())]
        forked = [p for p in tree if servers and p.ppid() == servers[0].pid]
    except psutil.Error:  # a process ended while we looked
        return []
    return servers + forked if len(forked) >= workers else []


def command_under(pid: int, *words: str) -> psutil.Process | None:
    """The first descendant of ``pid`` whose command line holds every one of ``words``."""
    for proc in descendants(pid):
        try:
            cmd = " ".join(proc.cmdline())
        except psutil.Error:
            continue
        if all(w in cmd for w in words):
            return proc
    return None


def survivors(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Those of ``processes`` still alive after ``timeout`` seconds (zombies count as gone)."""
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    left = []
    for proc in alive:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                left.append(proc)
        except psutil.NoSuchProcess:
            pass
    return left


@dataclass
class Killer:
    """A thread that SIGKILLs the process ``find`` returns, as soon as it returns one."""

    find: Callable[[], psutil.Process | None]
    timeout: float = 300.0
    killed: psutil.Process | None = None
    tree: list[psutil.Process] = field(default_factory=list)  # it and its descendants
    at: float = 0.0  # time.monotonic() of the kill

    def start(self) -> Killer:
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                target = self.find()
            except psutil.Error:
                target = None
            if target is not None:
                self.tree = [target, *descendants(target.pid)]
                self.at = time.monotonic()
                target.kill()
                self.killed = target
                return
            time.sleep(0.05)


def kill_when(find: Callable[[], psutil.Process | None], timeout: float = 300.0) -> Killer:
    """Start a :class:`Killer`."""
    return Killer(find, timeout).start()


def extraction_process(pid: int) -> psutil.Process | None:
    """The extraction process under ``pid`` once its pool runs (the forkserver's parent)."""
    pool = pool_of(pid, 1)
    return psutil.Process(pool[0].ppid()) if pool else None


# -- disks ----------------------------------------------------------------------------------------

@contextlib.contextmanager
def small_disk(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``160k``, ``2m``) mounted at ``path`` for the block (root only;
    the test is skipped with the reason otherwise), unmounted after it."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a small file system (tmpfs) needs root on Linux")
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


# -- what a night left ----------------------------------------------------------------------------

def night_status(db: Path, run_id: str | None = None) -> tuple[str, dict]:
    """``crawl_runs`` status and counts of ``run_id`` (default: the latest run)."""
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("select status, counts from crawl_runs where ? is null or run_id = ? "
                          "order by started_at desc limit 1", [run_id, run_id]).fetchone()
    if row is None:
        return "missing", {}
    counts = row[1]
    return row[0], json.loads(counts) if isinstance(counts, str) else (counts or {})


def offline_registry(path: Path, ids: list[str]) -> Path:
    """A registry of outlets whose hosts do not resolve (``.invalid``, RFC 2606): offline."""
    outlets = []
    for outlet in ids:
        host = f"{outlet.replace('_', '-')}.invalid"
        outlets.append({"id": outlet, "name": outlet, "home": f"https://{host}/",
                        "hosts": [host], "sources": [{"kind": "feed",
                                                      "url": f"https://{host}/feed/"}],
                        "article_patterns": [rf"^https://{host}/\d+/$"]})
    path.write_text(yaml.safe_dump({"outlets": outlets}), encoding="utf-8")
    return path
