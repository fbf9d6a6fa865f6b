"""Publication benchmark: what ``after_load`` costs after a night, incremental vs full rebuild.

    python -m bench.publish [--sizes 10000,20000] [--nights 50,1000] [--quick] [--markdown PATH]
                            [--workdir DIR] [--keep]

For each warehouse size N it builds a realistic warehouse with ``bench.warehouse``'s generator
(~4 KB French articles, 12 outlets, near-duplicates and aggregator copies, loaded by
``load_run``) whose raw pages weigh what real ones do (each ``pages.body`` ~32 KB of
incompressible bytes: a ~100 KB page zlib-compressed at level 1), and publishes it once (no index
yet: a full build). Then, each in a fresh process (peak RSS is its own) on a copy of that
warehouse and its read copy:

a. a night of M new articles is loaded (not timed), then ``after_load`` runs: the fts index is
   updated **incrementally**, checkpoint, copy, fsync, open-check, rename, each timed;
b. once per N (night of the smallest M), the same night published the way it was before the
   incremental index: ``build_search_index`` (``PRAGMA create_fts_index``, from scratch) then
   ``publish_read_copy``: the **full rebuild** baseline, in the same run.

Both read copies answer a few queries (French, accents, Arabic, English) and their rankings are
compared: the incremental index must rank exactly as the rebuild.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from bench.child import run_json
from bench.report import Section, Table, Target, Unit
from bench.tables import int_list
from bench.warehouse import generate, signatures, write_run
from bench.workdir import work_folder

SIZES = (10_000, 20_000)
QUICK_SIZES = (1_000, 2_000)
NIGHTS = (50, 1_000)
QUICK_NIGHTS = (20, 200)
PAGE_BYTES = 32_000  # a ~100 KB HTML page, zlib level 1 (rawpages.ZLIB_LEVEL): ~3x smaller
TARGET_SIZE = 20_000  # the warehouse; targets are checked at the size nearest it
FTS_TARGET = 0.10  # incremental fts update of the smallest night ≤ this share of a rebuild
PUBLISH_TARGET = 0.25  # whole publication of the smallest night ≤ this share of before
QUERIES = ("élections Rabat", "gouvernement réforme", "Casablanca", "الحكومة", "water")
STEPS = ("fts", "checkpoint", "copy", "fsync", "open_check", "rename")


@dataclass
class Measure:
    total: float
    timings: dict[str, float]
    peak_rss_mb: float
    start_rss_mb: float
    size_mb: float
    free_mb: float
    rankings: dict[str, list[list]]

    def step(self, name: str) -> float:
        return self.timings.get(name, 0.0)


def measure(task: dict) -> Measure:
    """One publication in a fresh interpreter (its own peak RSS)."""
    env = dict(os.environ)
    if task["kind"] == "build":  # padding every page in one transaction needs the room
        env["KHABAR_DUCKDB_MEMORY"] = "4GB"
    out = run_json("bench.publish_child", task, env=env)
    return Measure(out["total"], out["timings"], out["peak_rss_mb"], out["start_rss_mb"],
                   out["size_mb"], out["free_mb"], out["rankings"])


@dataclass
class Results:
    sizes: list[int]
    nights: list[int]
    first: dict[int, Measure]  # size -> first publish (no index yet: full build)
    incremental: dict[tuple[int, int], Measure]  # (size, night) -> after_load
    rebuild: dict[int, Measure]  # size -> rebuild + publish of the smallest night


def run_all(args: argparse.Namespace, work: Path, console: Console) -> Results:
    sizes, nights = sorted(args.sizes), sorted(args.nights)
    started = time.perf_counter()
    total = sizes[-1] + nights[-1]
    docs = generate(total)
    sigs = signatures(docs, 2, args.cache / f"signatures-{total}.parquet")
    console.log(f"generated {total:,} articles in {time.perf_counter() - started:.0f} s")
    res = Results(sizes, nights, {}, {}, {})
    for k in sizes:
        run_dir = write_run(work / f"runs-{k}" / "bench", docs[:k], sigs[:k])
        base = work / f"base-{k}.duckdb"
        res.first[k] = measure({"kind": "build", "db": str(base), "run_dir": str(run_dir),
                                "page_bytes": PAGE_BYTES, "queries": QUERIES})
        shutil.rmtree(run_dir.parent)
        console.log(f"{k:,}: built and first published ({res.first[k].size_mb:,.0f} MB) in "
                    f"{res.first[k].total:.1f} s")
        common = {"base": str(base), "base_copy": str(work / f"base-{k}.read.duckdb"),
                  "queries": QUERIES}
        for m in nights:
            night = write_run(work / f"night-{k}-{m}" / "night", docs[k:k + m], sigs[k:k + m],
                              run_id="night")
            db = work / f"night-{k}-{m}.duckdb"
            res.incremental[k, m] = measure({**common, "kind": "incremental", "db": str(db),
                                             "run_dir": str(night)})
            _drop(db)
            console.log(f"{k:,} + {m:,}: incremental publish "
                        f"{res.incremental[k, m].total:.2f} s")
            if m == nights[0]:
                res.rebuild[k] = measure({**common, "kind": "rebuild", "db": str(db),
                                          "run_dir": str(night)})
                _drop(db)
                console.log(f"{k:,} + {m:,}: rebuild publish {res.rebuild[k].total:.2f} s")
        _drop(base)
    return res


def _drop(db: Path) -> None:
    for path in (db, db.with_name(db.stem + ".read.duckdb")):
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)


def _same_rankings(a: Measure, b: Measure) -> bool:
    for query in QUERIES:
        x, y = a.rankings.get(query, []), b.rankings.get(query, [])
        if [r[0] for r in x] != [r[0] for r in y]:
            return False
        if any(abs(p[1] - q[1]) > 1e-6 * max(1.0, abs(p[1])) for p, q in zip(x, y, strict=True)):
            return False
    return True


def tables(res: Results) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table, shared by the console and the markdown."""
    out = []
    header = ["articles", "night", "fts index", "how", *STEPS[1:], "total s", "vs rebuild",
              "file MB (free)", "peak RSS MB"]
    rows = []
    for k in res.sizes:
        before = res.rebuild[k]
        lines = [(f"{res.nights[0]:,}", "rebuild (before)", before)]
        lines += [(f"{m:,}", "incremental", res.incremental[k, m]) for m in res.nights]
        for night, how, m in lines:
            rows.append([f"{k:,}", night, f"{m.step('fts'):.2f}", how,
                         *(f"{m.step(s):.2f}" for s in STEPS[1:]), f"{m.total:.2f}",
                         f"{m.total / before.total:.0%}",
                         f"{m.size_mb:,.0f} ({m.free_mb:,.0f})",
                         f"{m.peak_rss_mb:,.0f} (start {m.start_rss_mb:,.0f})"])
    out.append(("Publication after a night (after_load: fts index, checkpoint, copy to the read "
                "copy, fsync, open-check, rename), seconds", header, rows))

    header = ["articles", "first publish s (full build)", "fts s", "copy + fsync s", "file MB",
              "free MB in file", "incremental ranks = rebuild"]
    rows = []
    for k in res.sizes:
        f = res.first[k]
        same = all(_same_rankings(res.incremental[k, m], res.rebuild[k])
                   for m in res.nights[:1])
        rows.append([f"{k:,}", f"{f.total:.2f}", f"{f.step('fts'):.2f}",
                     f"{f.step('copy') + f.step('fsync'):.2f}", f"{f.size_mb:,.0f}",
                     f"{f.free_mb:,.0f}", "yes" if same else "NO"])
    out.append(("First publication of each warehouse (no index yet), and ranking check (top 10 "
                f"of {len(QUERIES)} queries, same night)", header, rows))
    return out


def targets(res: Results) -> list[Target]:
    """The fts, publication and ranking targets at the size nearest ``TARGET_SIZE``."""
    k = min(res.sizes, key=lambda s: abs(s - TARGET_SIZE))
    m = res.nights[0]
    inc, before = res.incremental[k, m], res.rebuild[k]
    ratio = inc.step("fts") / before.step("fts")
    found = [Target(f"incremental fts update of a {m:,}-article night ≤ {FTS_TARGET:.0%} of a "
                    f"rebuild ({k:,} articles)", ratio, FTS_TARGET, "<=", Unit(".1%"),
                    note=f"{ratio:.1%}: {inc.step('fts'):.2f} s vs {before.step('fts'):.2f} s",
                    why=f"{ratio:.1%}")]
    ratio = inc.total / before.total
    copy = inc.step("copy") + inc.step("fsync")
    found.append(Target(
        f"publication of a {m:,}-article night ≤ {PUBLISH_TARGET:.0%} of before ({k:,} articles)",
        ratio, PUBLISH_TARGET, "<=", Unit(".0%"),
        note=f"{ratio:.0%}: {inc.total:.2f} s vs {before.total:.2f} s; {copy:.2f} s of it is "
             f"copying and fsyncing the {inc.size_mb:,.0f} MB file, which grows with the "
             "warehouse, not the night",
        why=f"{ratio:.0%}; copy + fsync of the {inc.size_mb:,.0f} MB file: {copy:.2f} s, O(file)"))
    same = all(_same_rankings(res.incremental[s, res.nights[0]], res.rebuild[s])
               for s in res.sizes)
    found.append(Target.check("incremental index ranks as the rebuild (top 10, BM25 scores to "
                              "1e-6)", same, shortfall="a ranking difference"))
    return found


def section(res: Results, quick: bool) -> Section:
    """This module's section of BENCHMARKS.md."""
    intro = (
        f"Warehouses of {', '.join(f'{k:,}' for k in res.sizes)} generated articles "
        f"{'(--quick) ' if quick else ''}loaded by `load_run` (raw page bodies "
        f"~{PAGE_BYTES // 1000} KB each, a ~100 KB page compressed), published once; then a "
        "night of "
        f"{', '.join(f'{m:,}' for m in res.nights)} new articles is loaded on a copy and "
        "`after_load` publishes it (incremental fts update), each in its own process. *rebuild "
        "(before)* publishes the same night as before the incremental index: "
        "`build_search_index` from scratch, then `publish_read_copy`. Copies are in the page "
        "cache; fsync writes them to disk.")
    return Section("Publication: fts index and read copy after a night (`bench/publish.py`)",
                   [intro, *(Table(*table, left_columns=2) for table in tables(res))],
                   targets=targets(res))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int_list,
                        help=f"warehouse sizes (default {','.join(map(str, SIZES))})")
    parser.add_argument("--nights", type=int_list,
                        help=f"new articles per night (default {','.join(map(str, NIGHTS))})")
    parser.add_argument("--quick", action="store_true", help="small sizes: well under a minute")
    parser.add_argument("--markdown", type=Path, help="write this module's BENCHMARKS.md section")
    parser.add_argument("--workdir", type=Path, help="where to write runs and databases")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "khabar-bench",
                        help="where generated signatures are kept between runs")
    args = parser.parse_args(argv)
    args.sizes = args.sizes or list(QUICK_SIZES if args.quick else SIZES)
    args.nights = args.nights or list(QUICK_NIGHTS if args.quick else NIGHTS)
    console = Console()
    with work_folder(args.workdir, "publish", args.keep) as work:
        res = run_all(args, work, console)
    report = section(res, args.quick)
    report.show(console, args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
