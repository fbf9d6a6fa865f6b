"""Disk space a load takes, against the estimate the load checks up front (warehouse.health).

    python -m bench.space [--first 5000] [--night 1000] [--nights 3] [--quick] [--workdir DIR]
                          [--markdown FILE]

A first run of ``--first`` articles, then ``--nights`` nights of ``--night`` more, each loaded
with ``python -m warehouse load`` (load, fts update, read copy) into one warehouse, written as
crawl + extraction write a run folder (``bench.warehouse``'s generator). While each load runs,
the used space of the warehouse's file system is sampled every 2 ms (a tmpfs mounted for the
purpose when run as root, so the WAL, DuckDB's spill files and the temporary copy all count;
else the warehouse directory's files, which can miss short-lived ones). Printed per load: the
run folder's files, the warehouse file before and after, the peak space the load took on top
of what was there, and ``warehouse.health.required_bytes`` (what ``load`` asks for): the
estimate must be at least the peak, and the growth column is what ``GROWTH`` rests on.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from bench.machine import ROOT
from bench.report import Section, Table, Target, Unit
from bench.warehouse import T0, generate, signatures, write_run
from warehouse.health import required_bytes, run_input_bytes

MB = 2**20


def _mount(stack: ExitStack, path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8g", "tmpfs", str(path)],
            capture_output=True, check=False).returncode:
        return False
    stack.callback(subprocess.run, ["umount", "-l", str(path)], check=False)
    return True


def _used(path: Path, tmpfs: bool) -> int:
    if tmpfs:
        stat = os.statvfs(path)
        return (stat.f_blocks - stat.f_bfree) * stat.f_frsize
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


def load_peak(db: Path, run_dir: Path, run_id: str, tmpfs: bool) -> tuple[int, int]:
    """(space used before, peak space used) around one ``python -m warehouse load``."""
    base = _used(db.parent, tmpfs)
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                peak[0] = max(peak[0], _used(db.parent, tmpfs))
            except OSError:  # a file vanished while listed
                pass
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = subprocess.run([sys.executable, "-m", "warehouse", "--db", str(db), "load",
                             str(run_dir), "--run-id", run_id], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    done.set()
    sampler.join()
    if result.returncode:
        raise RuntimeError(result.stderr)
    return base, peak[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.space", description=__doc__)
    parser.add_argument("--first", type=int, default=5000)
    parser.add_argument("--night", type=int, default=1000)
    parser.add_argument("--nights", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 then 2 nights of 200")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--markdown", type=Path, help="write this module's report section")
    args = parser.parse_args(argv)
    if args.quick:
        args.first, args.night, args.nights = 1000, 200, 2
    console = Console(width=150)
    with ExitStack() as stack:
        work = args.workdir or Path(tempfile.mkdtemp(prefix="khabar-space-"))
        if args.workdir is None:
            stack.callback(shutil.rmtree, work, ignore_errors=True)
        tmpfs = _mount(stack, work / "disk")
        total = args.first + args.night * args.nights
        docs = generate(total)
        sigs = signatures(docs, os.cpu_count() or 1)
        runs = [(write_run(work / "runs" / "r0", docs[: args.first], sigs[: args.first],
                           run_id="r0"), "r0")]
        for night in range(1, args.nights + 1):
            lo = args.first + (night - 1) * args.night
            rid = f"n{night}"
            runs.append((write_run(work / "runs" / rid, docs[lo: lo + args.night],
                                   sigs[lo: lo + args.night], run_id=rid,
                                   fetched=T0 + timedelta(days=400 + night)), rid))
        db = work / "disk" / "news.duckdb"
        how = "tmpfs" if tmpfs else "directory listing"
        rows, targets = [], []
        for run_dir, rid in runs:
            inputs = run_input_bytes(run_dir)
            before = db.stat().st_size if db.exists() else 0
            estimate = required_bytes(db, inputs)  # what `load` asks for before it starts
            base, peak = load_peak(db, run_dir, rid, tmpfs)
            after = db.stat().st_size
            taken = peak - base
            rows.append([rid, str(args.first if rid == "r0" else args.night),
                         f"{inputs / MB:.1f}", f"{before / MB:.1f}", f"{after / MB:.1f}",
                         f"{(after - before) / inputs:.1f}x", f"{taken / MB:.1f}",
                         f"{estimate / MB:.1f}", f"{estimate / max(taken, 1):.2f}"])
            targets.append(Target(f"load's estimate ≥ the peak it took, {rid}", estimate,
                                  taken, ">=", Unit(".1f", " MB", 1 / MB)))
        report = Section("Disk space of a load (`bench/space.py`)", [Table(
            f"Disk space of a load and its read copy ({how})",
            ["run", "articles", "run files MB", "file before MB", "file after MB",
             "growth / run files", "peak taken MB", "estimate MB", "estimate / peak"], rows,
            left_columns=0)], targets=targets)
        report.show(console, args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
