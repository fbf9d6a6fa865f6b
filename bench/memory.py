"""Peak memory of a process tree (a flow, its crawl processes, its extraction workers), sampled.

``ru_maxrss`` only knows one process; a night is a dozen. :class:`TreeSampler` walks the tree
under a root process every ``interval`` seconds from a background thread and keeps the peak of
the summed resident set size (RSS), with what each group of processes held at that moment and
each group's own peak. RSS counts pages shared between processes (forked workers, shared
libraries) once per process, so the sum overstates what the tree really needs: it is the
conservative number a target is checked against. Every few samples the proportional set size
(PSS: shared pages split between their users) is summed too, where the OS reports it.

    python -m bench.memory -- python -m flows.nightly --snapshot   # peak of any command's tree
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Self

import psutil
from rich.console import Console

from bench.report import Table

__all__ = ["MB", "SERVER", "Peak", "TreeSampler", "classify"]

MB = 1024 * 1024
# A service the night uses rather than part of the night's work: with a Prefect server deployed
# it runs all day in its own process; only without one does the flow start it (temporarily).
SERVER = "Prefect API server"


def classify(process: psutil.Process, root_pid: int) -> str:
    """Which part of a night a process is, from its command line."""
    if process.pid == root_pid:
        return "flow process"
    try:
        command = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "other"
    if "scrapy" in command:
        return "crawl processes"
    if "prefect" in command or "uvicorn" in command:
        return SERVER
    if "pipeline.extract_process" in command:
        return "extraction parent"
    if "multiprocessing" in command or "concurrent.futures" in command:
        return "extraction workers"
    if "-m warehouse" in command:
        return "load process"
    return "other"


@dataclass
class Peak:
    """The tree at its largest: summed RSS, when, and how it was split."""

    rss: int = 0
    at: float = 0.0  # seconds after sampling started
    processes: int = 0
    by_group: dict[str, int] = field(default_factory=dict)


class TreeSampler:
    """Samples the memory of ``root`` and its descendants until stopped.

    Args:
        root: pid of the tree's root (default: this process).
        interval: seconds between samples.
        exclude: pids whose whole subtree is left out (a benchmark's own servers).
        pss_every: sum PSS every this many samples (0: never; it reads smaps, which costs).
    """

    def __init__(self, root: int | None = None, interval: float = 0.25,
                 exclude: Iterable[int] = (), pss_every: int = 8,
                 group: Callable[[psutil.Process, int], str] = classify) -> None:
        self.root = root or os.getpid()
        self.interval = interval
        self.exclude = set(exclude)
        self.pss_every = pss_every
        self.group = group
        self.peak = Peak()
        self.peak_pss = 0
        self.peak_work = Peak()  # the same, without the Prefect API server (see SERVER)
        self.peak_work_pss = 0
        self.group_peaks: dict[str, int] = {}
        self.samples = 0
        self.timeline: list[tuple[float, int]] = []  # (seconds, summed RSS)
        self._groups: dict[int, str] = {}  # pid → group, decided once per process
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0

    def processes(self) -> list[psutil.Process]:
        """The root and its live descendants, without excluded subtrees."""
        try:
            root = psutil.Process(self.root)
            children = root.children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        excluded = set(self.exclude)
        for pid in self.exclude:
            try:
                excluded |= {p.pid for p in psutil.Process(pid).children(recursive=True)}
            except psutil.NoSuchProcess:
                pass
        return [p for p in [root, *children] if p.pid not in excluded]

    def sample(self) -> int:
        """Take one sample now; returns the summed RSS in bytes."""
        total, by_group, pss, server_pss, count = 0, {}, 0, 0, 0
        with_pss = self.pss_every and self.samples % self.pss_every == 0
        for process in self.processes():
            try:
                rss = process.memory_info().rss
                own_pss = getattr(process.memory_full_info(), "pss", rss) if with_pss else 0
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            if process.pid not in self._groups:
                self._groups[process.pid] = self.group(process, self.root)
            name = self._groups[process.pid]
            by_group[name] = by_group.get(name, 0) + rss
            total += rss
            pss += own_pss
            server_pss += own_pss if name == SERVER else 0
            count += 1
        self.samples += 1
        now = time.monotonic() - self._started
        self.timeline.append((round(now, 2), total))
        if total > self.peak.rss:
            self.peak = Peak(total, now, count, by_group)
        work = total - by_group.get(SERVER, 0)
        if work > self.peak_work.rss:
            self.peak_work = Peak(work, now, count, by_group)
        for name, rss in by_group.items():
            self.group_peaks[name] = max(self.group_peaks.get(name, 0), rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_work_pss = max(self.peak_work_pss, pss - server_pss)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def start(self) -> Self:
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> Peak:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        return self.peak

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def table(self, title: str) -> Table:
        """Each group's RSS at the tree's peak and its own peak, then the whole tree."""
        rows = [[name, f"{self.peak.by_group.get(name, 0) / MB:,.0f}",
                 f"{self.group_peaks[name] / MB:,.0f}"]
                for name in sorted(self.group_peaks, key=lambda g: self.group_peaks[g],
                                   reverse=True)]
        rows.append(["whole tree", f"{self.peak.rss / MB:,.0f}",
                     f"PSS {self.peak_pss / MB:,.0f}" if self.peak_pss else ""])
        return Table(title, ["group", "RSS at the peak (MB)", "own peak (MB)"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command and arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    process = subprocess.Popen(command)
    sampler = TreeSampler(process.pid, args.interval).start()
    returncode = process.wait()
    sampler.stop()
    Console().print(sampler.table(f"Peak memory of {' '.join(command)[:60]} "
                                  f"({sampler.samples} samples)").rich())
    return returncode


if __name__ == "__main__":
    sys.exit(main())
