"""DuckLake maintenance benchmark: files and bytes of a lake of many small nights, before/after.

    python -m bench.lakemaint [--nights 30] [--per-night 40] [--keep-nights 7] [--quick]
                              [--markdown PATH] [--workdir DIR] [--keep]

A new DuckLake (catalog in a throwaway PostgreSQL cluster, ``tests/support/pgcluster.py``; data in a
local folder) gets ``--nights`` nights of ``--per-night`` generated articles each
(``bench.warehouse``'s generator: ~4 KB French texts over 12 outlets), each loaded as its own
run, as a small deployment's nights come. Then ``warehouse.lakemaint.maintain_lake`` runs with
``--keep-nights`` nights kept, no day window and no grace (no reader is running). Measured in
the same run: files and bytes under the data folder before and after, the maintenance's wall
and CPU seconds, and a reader's query (every article's length by outlet, and the same at the
oldest kept night: time travel) before and after, wall seconds, best of 3.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from bench.report import Section, Table
from bench.sql import bench_sql
from bench.warehouse import T0, generate, signatures, write_run
from bench.workdir import work_folder

NIGHTS, PER_NIGHT, KEEP_NIGHTS = 30, 40, 7
QUICK = (8, 20, 3)


def _read_seconds(con, version: int | None = None) -> float:
    """Best of 3 of a reader's scan over every article, now or at snapshot ``version``."""
    query, params = ((bench_sql("select_outlet_lengths"), None) if version is None else
                     (bench_sql("select_outlet_lengths_at"), {"version": version}))
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        con.execute(query, params).fetchall()
        best = min(best, time.perf_counter() - started)
    return best


def run(args: argparse.Namespace, work: Path, console: Console) -> dict[str, float]:
    from tests.support.pgcluster import start_cluster
    from warehouse.backend import LakeConfig
    from warehouse.db import connect_lake
    from warehouse.lake import snapshot_of_run
    from warehouse.lakemaint import LakeRetention, maintain_lake
    from warehouse.load import load_run

    docs = generate(args.nights * args.per_night)
    sigs = signatures(docs, workers=os.cpu_count() or 1, cache=args.cache /
                      f"lakemaint-sigs-{len(docs)}.parquet")
    cluster = start_cluster()
    try:
        cluster.create_database("lakemaint")
        lake = LakeConfig(catalog=cluster.url("lakemaint"), data_path=str(work / "lake-data"))
        with connect_lake(lake) as con:
            started = time.perf_counter()
            ids = []
            for n in range(args.nights):
                part = slice(n * args.per_night, (n + 1) * args.per_night)
                run_id = f"night{n:03d}"
                folder = write_run(work / "runs" / run_id, docs[part], sigs[part], run_id=run_id,
                                   fetched=T0 + timedelta(days=400 + n))
                load_run(con, run_id, folder)
                ids.append(run_id)
            console.print(f"{args.nights} nights loaded in {time.perf_counter() - started:.0f} s")
            oldest_kept = ids[-args.keep_nights]
            at = snapshot_of_run(con, oldest_kept)
            read_before, past_before = _read_seconds(con), _read_seconds(con, at)
            wall, cpu = time.perf_counter(), time.process_time()
            done = maintain_lake(con, LakeRetention(keep_nights=args.keep_nights, keep_days=0,
                                                    grace_hours=0))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            at = snapshot_of_run(con, oldest_kept)
            read_after, past_after = _read_seconds(con), _read_seconds(con, at)
    finally:
        cluster.stop()
    return {"files_before": done.before.files, "files_after": done.after.files,
            "bytes_before": done.before.bytes, "bytes_after": done.after.bytes,
            "expired": len(done.expired), "wall": wall, "cpu": cpu,
            "read_before": read_before, "read_after": read_after,
            "past_before": past_before, "past_after": past_after}


def tables(args: argparse.Namespace, r: dict[str, float]) -> list[Table]:
    rows = [
        ["files in the data folder", f"{r['files_before']:.0f}", f"{r['files_after']:.0f}",
         f"{r['files_after'] / r['files_before']:.2f}×"],
        ["MB in the data folder", f"{r['bytes_before'] / 2**20:.2f}",
         f"{r['bytes_after'] / 2**20:.2f}", f"{r['bytes_after'] / r['bytes_before']:.2f}×"],
        ["read: all articles by outlet, s", f"{r['read_before']:.3f}", f"{r['read_after']:.3f}",
         f"{r['read_after'] / r['read_before']:.2f}×"],
        ["read at the oldest kept night, s", f"{r['past_before']:.3f}",
         f"{r['past_after']:.3f}", f"{r['past_after'] / r['past_before']:.2f}×"],
    ]
    title = (f"{args.nights} nights of {args.per_night} articles, maintenance keeping "
             f"{args.keep_nights} nights ({r['expired']:.0f} snapshots expired; "
             f"{r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU in this process)")
    return [Table(title, ["", "before", "after", "after/before"], rows)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int)
    parser.add_argument("--per-night", type=int)
    parser.add_argument("--keep-nights", type=int)
    parser.add_argument("--quick", action="store_true", help="8 small nights")
    parser.add_argument("--markdown", type=Path, help="write this module's BENCHMARKS.md section")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "khabar-bench")
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else (NIGHTS, PER_NIGHT, KEEP_NIGHTS)
    args.nights = args.nights or defaults[0]
    args.per_night = args.per_night or defaults[1]
    args.keep_nights = args.keep_nights or defaults[2]
    console = Console()
    args.cache.mkdir(parents=True, exist_ok=True)
    with work_folder(args.workdir, "lakemaint", args.keep) as work:
        result = run(args, work, console)
    notes = ["same run, same lake; the machine shared with other jobs (load average in the "
             "report's machine section): compare the ratios, not the seconds"]
    section = Section("DuckLake maintenance (bench/lakemaint.py)",
                      ["`python -m bench.lakemaint" + (" --quick" if args.quick else "") + "`: "
                       "many small nights loaded into a new DuckLake, then `warehouse "
                       "maintain`'s flush, merge, expiry and cleanup.",
                       *tables(args, result)], notes)
    section.show(console, args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
