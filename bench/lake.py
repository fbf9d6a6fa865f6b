"""DuckLake writers benchmark: load throughput of 1 vs N concurrent writers, DuckLake vs the file.

    python -m bench.lake [--articles 2000] [--writers 2] [--repeat 1] [--quick]
                         [--markdown PATH] [--workdir DIR] [--keep]

A night of N generated articles (``bench.warehouse``'s generator: ~4 KB French texts over 12
outlets, near-duplicates and aggregator copies) is split by outlet into ``--writers`` run folders
(two by default), as that many workers crawling their share of the outlets would write them.
Each is loaded by ``python -m warehouse load --no-publish`` in a process of its own (what the
flow's load task runs), into a new warehouse each time:

* **file, 1 writer**: the runs one after the other into one DuckDB file (the same-run
  baseline);
* **file, N writers**: every process started at once; DuckDB's file lock admits one writer,
  the others wait for it (``KHABAR_LOCK_WAIT``);
* **lake, 1 writer** / **lake, N writers**: the same into a DuckLake with its catalog in a
  throwaway PostgreSQL cluster (``tests/support/pgcluster.py``) and its data in a local folder. Lake
  writers take turns at the PostgreSQL advisory lock for their load transaction
  (``warehouse.lake``: why); the rest of each process (start, checks, reading the run folder,
  the lake attach) runs at once.

Wall time is from the first process's start to the last one's end; throughput is the night's
articles per second of it. The lake is created (migrated) before the timed loads, as a deployment
has it; the file is new, its migrations part of the first load (~0.1 s).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from bench.report import Section, Table
from bench.warehouse import generate, signatures, write_run
from bench.workdir import work_folder
from khabar.paths import PROJECT_ROOT as ROOT

ARTICLES = 2_000
QUICK_ARTICLES = 300


@dataclass
class Result:
    """One scenario: wall seconds (best of the repeats) and each process's own seconds."""

    backend: str
    writers: int
    articles: int
    wall: float
    each: list[float]

    @property
    def rate(self) -> float:
        return self.articles / self.wall if self.wall else 0.0


def _night(work: Path, n: int, cache: Path, parts: int = 2) -> list[Path]:
    docs = generate(n)
    sigs = signatures(docs, workers=os.cpu_count() or 1, cache=cache / f"lake-sigs-{n}.parquet")
    outlets = sorted({d.outlet for d in docs})
    shares = [set(outlets[i::parts]) for i in range(parts)]
    runs = []
    for i, mine in enumerate(shares):
        picked = [(d, s) for d, s in zip(docs, sigs, strict=True) if d.outlet in mine]
        run_id = f"worker{i + 1}"
        runs.append(write_run(work / "runs" / run_id, [d for d, _ in picked],
                              [s for _, s in picked], run_id=run_id))
    return runs


def _load_processes(runs: list[Path], env: dict[str, str], db: Path | None,
                    concurrent: bool) -> tuple[float, list[float]]:
    def command(run: Path) -> list[str]:
        where = ["--db", str(db)] if db else []
        return [sys.executable, "-m", "warehouse", *where, "load", str(run), "--no-publish"]

    started = time.perf_counter()
    each: list[float] = []
    if concurrent:
        children = [subprocess.Popen(command(r), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True) for r in runs]
        ended: dict[int, float] = {}
        while len(ended) < len(children):  # each process's own end, whichever comes first
            for i, child in enumerate(children):
                if i not in ended and child.poll() is not None:
                    ended[i] = time.perf_counter() - started
            time.sleep(0.02)
        for child in children:
            _, err = child.communicate(timeout=60)
            if child.returncode != 0:
                raise RuntimeError(f"load failed: {err}")
        each = [ended[i] for i in range(len(children))]
    else:
        for run in runs:
            t0 = time.perf_counter()
            done = subprocess.run(command(run), cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=1800)
            each.append(time.perf_counter() - t0)
            if done.returncode != 0:
                raise RuntimeError(f"load failed: {done.stderr}")
    return time.perf_counter() - started, each


def run_all(args: argparse.Namespace, work: Path, console: Console) -> list[Result]:
    from tests.support.pgcluster import start_cluster

    runs = _night(work, args.articles, args.cache, args.writers)
    base_env = {**os.environ, "KHABAR_WAREHOUSE": ""}
    base_env.pop("KHABAR_DB", None)
    results = []
    cluster = start_cluster()
    try:
        for backend in ("file", "lake"):
            for writers in (1, args.writers):
                best: tuple[float, list[float]] | None = None
                for attempt in range(args.repeat):
                    name = f"{backend}_{writers}_{attempt}"
                    env = dict(base_env)
                    db = None
                    if backend == "file":
                        db = work / f"{name}.duckdb"
                    else:
                        cluster.create_database(name)
                        env["KHABAR_WAREHOUSE"] = f"ducklake:{cluster.url(name)}"
                        env["KHABAR_LAKE_DATA"] = str(work / f"{name}-data")
                        # Created and migrated before the timed loads (``info`` only reads).
                        subprocess.run([sys.executable, "-m", "bench.lake", "--migrate"],
                                       cwd=ROOT, env=env, check=True, timeout=600)
                    timing = _load_processes(runs, env, db, concurrent=writers > 1)
                    if best is None or timing[0] < best[0]:
                        best = timing
                assert best is not None
                result = Result(backend, writers, args.articles, best[0], best[1])
                console.print(f"{backend}, {writers} writer(s): {result.wall:.1f} s, "
                              f"{result.rate:.0f} articles/s")
                results.append(result)
    finally:
        cluster.stop()
    return results


def tables(results: list[Result]) -> list[tuple[str, list[str], list[list[str]]]]:
    by = {(r.backend, r.writers): r for r in results}
    rows = []
    for r in results:
        one = by[(r.backend, 1)]
        vs_file = by[("file", r.writers)]
        rows.append([r.backend, str(r.writers), f"{r.wall:.1f}", f"{r.rate:.0f}",
                     " / ".join(f"{s:.1f}" for s in r.each), f"{one.wall / r.wall:.2f}×",
                     f"{vs_file.wall / r.wall:.2f}×"])
    header = ["backend", "writers", "wall s", "articles/s", "each process s",
              "speed vs 1 writer", "speed vs file"]
    n = results[0].articles if results else 0
    parts = max((r.writers for r in results), default=2)
    return [(f"Loading one night of {n} articles split over {parts} run folders", header, rows)]


def notes(results: list[Result]) -> list[str]:
    by = {(r.backend, r.writers): r for r in results}
    n = max(r.writers for r in results)
    lake2, lake1 = by[("lake", n)], by[("lake", 1)]
    return [
        f"DuckLake, {n} concurrent writers vs 1: {lake1.wall / lake2.wall:.2f}× the throughput "
        "(their load transactions take turns at the advisory lock; what overlaps is each "
        "process's start, folder checks and lake attach)",
        f"DuckLake vs the DuckDB file, 1 writer: {by[('file', 1)].wall / lake1.wall:.2f}× "
        "(every statement of a load reads or writes the PostgreSQL catalog)",
    ]


def section(results: list[Result], quick: bool) -> Section:
    """This module's section of BENCHMARKS.md (notes, no targets)."""
    n = max(r.writers for r in results)
    intro = ("`python -m bench.lake" + (" --quick" if quick else "")
             + (f" --writers {n}" if n != 2 else "") + f"`: one night split over {n} run "
             "folders, loaded by `python -m warehouse load` processes, one after the other or "
             "all at once, into a new DuckDB file and into a new DuckLake (PostgreSQL 15 catalog "
             "on loopback, data on local disk), same run.")
    return Section("DuckLake writers (bench/lake.py)",
                   [intro, *(Table(*table, left_columns=2) for table in tables(results))],
                   notes=notes(results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, help=f"articles in the night (default {ARTICLES})")
    parser.add_argument("--writers", type=int, default=2,
                        help="run folders the night is split into, loaded at once (≥ 2)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario (best kept)")
    parser.add_argument("--quick", action="store_true", help="a small night: about a minute")
    parser.add_argument("--markdown", type=Path, help="write this module's BENCHMARKS.md section")
    parser.add_argument("--workdir", type=Path, help="where to write runs and warehouses")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "khabar-bench",
                        help="where generated signatures are kept between runs")
    parser.add_argument("--migrate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.migrate:  # a child process: create and migrate the warehouse its env names
        import warehouse

        warehouse.connect().close()
        return 0
    args.articles = args.articles or (QUICK_ARTICLES if args.quick else ARTICLES)
    if args.writers < 2:
        parser.error("--writers must be 2 or more (1 writer is the baseline of every run)")
    console = Console()
    with work_folder(args.workdir, "lake", args.keep) as work:
        results = run_all(args, work, console)
    report = section(results, args.quick)
    report.show(console, args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
