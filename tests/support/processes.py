"""Process trees, watched with psutil (not a test module): wait for a condition, find the
descendants of a PID, the extraction pool under it, and which processes outlived a deadline.
The fault scenarios (``tests/scenarios/faults.py``) kill by PID with these; the stage tests
(``tests/pipeline/test_children.py``) check nothing is left behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psutil


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
    """The extraction forkserver and its workers under ``pid``, once ``workers`` are up.

    A process that once started a pool in-process keeps its idle forkserver for life (the test
    process does): only a forkserver with workers counts.
    """
    try:
        tree = descendants(pid)
        servers = [p for p in tree if "forkserver" in " ".join(p.cmdline())
                   and (parent := p.parent()) is not None
                   and "forkserver" not in " ".join(parent.cmdline())]
        for server in servers:
            forked = [p for p in tree if p.ppid() == server.pid]
            if len(forked) >= workers:
                return [server, *forked]
    except psutil.Error:  # a process ended while we looked
        pass
    return []


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
