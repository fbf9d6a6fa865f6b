"""Fan-out benchmark: one night on the synthetic web over 1, 2 and 4 real Prefect workers.

    python -m bench.workers [--quick] [--per-outlet 400] [--latency 0.2] [--nights 2x1,2x2]
                            [--markdown FILE] [--json FILE] [--workdir DIR] [--keep]

The deployed set-up of docs/lake.md, on this machine: a ``prefect server`` on loopback with the
deployments of prefect.yaml, ``prefect worker start`` processes (``--limit 1``, each in its own
working and temp folder: ``tests/support/prefectserver.py``), a DuckLake with its catalog in a
throwaway PostgreSQL cluster (``tests/support/pgcluster.py``) and its data in a local folder, one
shared runs folder, and the parent flow ``flows.fanout.fanout`` (one ``nightly-shard`` flow run per
outlet, extraction in one process per shard) run in this process against the server. The crawl
target is ``bench.synthweb`` in its own process: outlets of the two original themes (lebrief-like
and lepetitjournalmarocain-like; no aggregator), ``--per-outlet`` article pages each, every
response ``--latency`` late, crawled with the production settings (AutoThrottle, target concurrency
1), so a shard's crawl is bound by latency, not CPU.

Scenarios, each on a new lake (every article new), in one run: the 2-outlet night on 1 worker
(the baseline: its shards one after the other) and on 2; the 4-outlet night on 1 and on 4.
Measured: the parent flow's wall time, each shard's flow run and its stages (Prefect's task
timestamps), and the lake's rows afterwards (the same articles whatever the number of workers).
Workers poll the server every 2 s (``PREFECT_WORKER_QUERY_SECONDS``; Prefect's default 10 s
would add up to 10 s of idle between one worker's shards, a cost of the baseline only).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.machine import sample_load
from bench.night import task_spans
from bench.report import Section, Table, Target, Unit
from bench.synthweb import SynthWeb, SynthWebProcess, WebConfig, write_registry
from bench.synthweb.crawling import bytecode_cache, synthetic_crawls

ROOT = Path(__file__).resolve().parents[1]
LATENCY = 0.2
PER_OUTLET = 400
QUICK_PER_OUTLET = 30
THEMES = ("lebrief", "lepetitjournalmarocain")
SCENARIOS = ((2, 1), (2, 2), (4, 1), (4, 4))  # (outlets, workers)
# --quick leaves out the longest night (4 outlets on 1 worker: 4 shards one after the other)
QUICK_SCENARIOS = ((2, 1), (2, 2), (4, 4))
GOAL = 0.55  # 2 workers' wall time against 1 worker's, the 2-outlet night (issue 17)
POLL_SECONDS = "2"


@dataclass
class Scenario:
    """One night: its outlets, its workers, and what it cost."""

    outlets: int
    workers: int
    wall: float = 0.0  # the parent flow call, from this process
    state: str = ""
    shards: list[dict[str, Any]] = field(default_factory=list)  # per shard flow run
    articles: dict[str, int] = field(default_factory=dict)  # per outlet, in the lake after
    distinct: int = 0  # distinct article ids in the lake
    lake: dict[str, int] = field(default_factory=dict)  # catalog and data folder sizes

    @property
    def label(self) -> str:
        return f"{self.outlets} outlets, {self.workers} worker{'s' * (self.workers > 1)}"

    def stage(self, name: str) -> list[float]:
        return [s["stages"].get(name, 0.0) for s in self.shards]


def _shard(flow_run_id: str) -> dict[str, Any]:
    """A shard's flow run: its length and its stages' (Prefect's timestamps)."""
    spans, seconds = task_spans(flow_run_id)
    return {"id": flow_run_id, "seconds": seconds,
            "stages": {name: end - start for name, (start, end) in spans.items()}}


def _wait_for_workers(api: Any, names: list[str], timeout: float = 300) -> None:
    """Until every worker named has said hello to the server (its poll has begun)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = {w.name for w in api.read_workers_for_work_pool(work_pool_name="khabar")
                if w.status and w.status.value == "ONLINE"}
        if set(names) <= seen:
            return
        time.sleep(1)
    raise TimeoutError(f"workers {names} not online after {timeout} s")


def _lake_rows(lake: Any) -> tuple[dict[str, int], int]:
    from bench.sql import bench_sql
    from warehouse.lakeread import open_lake_reader

    with open_lake_reader(lake) as con:
        per = dict(con.execute(bench_sql("select_outlet_counts")).fetchall())
        row = con.execute(bench_sql("select_distinct_article_count")).fetchone()
    return per, int(row[0]) if row else 0


def _lake_size(cluster: Any, database: str, data_path: Path) -> dict[str, int]:
    """The catalog database's size and rows, and the data folder's files (what a night adds)."""
    from bench.sql import bench_sql
    from tests.support.pgcluster import SUPERUSER

    def query(sql: str) -> int:
        done = subprocess.run([str(cluster.bindir / "psql"), "-h", "127.0.0.1", "-p",
                               str(cluster.port), "-U", SUPERUSER, "-d", database, "-Atc", sql],
                              check=True, capture_output=True, text=True, timeout=60,
                              **cluster.run_as)
        return int(done.stdout.strip())

    files = [p for p in data_path.rglob("*") if p.is_file()]
    return {"catalog_bytes": query(bench_sql("select_catalog_bytes")),
            "snapshots": query(bench_sql("select_catalog_snapshot_count")),
            "catalog_files": query(bench_sql("select_catalog_data_file_count")),
            "data_files": len(files), "data_bytes": sum(p.stat().st_size for p in files)}


def run_scenario(fleet: Any, cluster: Any, work: Path, web: SynthWeb, settings: dict[str, str],
                 scenario: Scenario, console: Console) -> None:
    from flows.fanout import fanout
    from tests.support.prefectserver import prefect_client as client
    from warehouse.backend import LakeConfig

    name = f"lake_{scenario.outlets}o_{scenario.workers}w"
    cluster.create_database(name)
    lake = LakeConfig(catalog=cluster.url(name), data_path=str(work / f"{name}-data"))
    fleet.use_lake(lake)
    os.environ.update({"KHABAR_WAREHOUSE": f"ducklake:{lake.catalog}",
                       "KHABAR_LAKE_DATA": str(lake.data_path)})
    # Created and migrated before the night, as a deployment has it.
    subprocess.run([sys.executable, "-c", "import warehouse; warehouse.connect().close()"],
                   cwd=ROOT, env=fleet.server.env, check=True, timeout=600)
    names = [f"{name}-{i}" for i in range(scenario.workers)]
    try:
        for worker in names:
            fleet.worker(worker)
        with client(fleet.server) as api:
            _wait_for_workers(api, names)
        ids = [o.id for o in web.outlets[:scenario.outlets]]
        started = time.perf_counter()
        state = fanout(outlets=ids, snapshot=True, runs_dir=str(work / "runs"), per_run=1,
                       extract_workers=1, shard_parameters={"crawl_settings": settings},
                       timeout_seconds=3600, return_state=True)
        scenario.wall = time.perf_counter() - started
    finally:
        fleet.stop_workers()
    scenario.state = state.name or ""
    data = state.result(raise_on_failure=False)
    rows = data.get("shards", []) if isinstance(data, dict) else []
    scenario.shards = [_shard(r["flow_run"]) for r in rows]
    scenario.articles, scenario.distinct = _lake_rows(lake)
    scenario.lake = _lake_size(cluster, name, Path(lake.data_path))
    console.log(f"{scenario.label}: {scenario.state} in {scenario.wall:.1f} s; shards "
                + ", ".join(f"{s['seconds']:.0f} s" for s in scenario.shards)
                + f"; {sum(scenario.articles.values())} articles in the lake")


def run_all(args: argparse.Namespace, work: Path, console: Console) -> list[Scenario]:
    from tests.support.pgcluster import start_cluster
    from tests.support.prefectserver import Fleet

    plan = args.nights or (QUICK_SCENARIOS if args.quick else SCENARIOS)
    most = max(outlets for outlets, _ in plan)
    web = SynthWeb(WebConfig(outlets=most, articles=most * args.per_outlet, themes=THEMES))
    registry = write_registry(web, work / "outlets.yaml")
    scenarios = [Scenario(o, w) for o, w in plan]
    cluster = start_cluster()
    try:
        with bytecode_cache(work / "pycache") as _, \
                SynthWebProcess(web.config, args.latency) as server, \
                synthetic_crawls(registry, server.hosts) as settings:
            fleet = Fleet(work / "fleet", None, {"PREFECT_WORKER_QUERY_SECONDS": POLL_SECONDS})
            (work / "fleet").mkdir(parents=True, exist_ok=True)
            # The parent flow runs here, against the fleet's server: set before Prefect loads.
            os.environ.update({"PREFECT_API_URL": fleet.server.api,
                               "PREFECT_HOME": str(work / "fleet" / "prefect")})
            try:
                # 120 s was too short for the server's start at load 29 (2026-12-06)
                fleet.start(timeout=600)
                for scenario in scenarios:
                    run_scenario(fleet, cluster, work, web, settings, scenario, console)
                    if args.json:  # after each night: a long run cut short keeps its nights
                        _write_json(args.json, [s for s in scenarios if s.state])
            finally:
                fleet.stop()
    finally:
        cluster.stop()
    return scenarios


def _write_json(path: Path, scenarios: list[Scenario], before: str = "",
                after: str = "") -> None:
    path.write_text(json.dumps({"before": before, "after": after,
                                "scenarios": [asdict(s) for s in scenarios]}, indent=1),
                    encoding="utf-8")


def _nights(text: str) -> list[tuple[int, int]]:
    """``2x1,4x4`` → [(2, 1), (4, 4)]: the nights to run, outlets × workers."""
    try:
        nights = [tuple(int(n) for n in part.split("x", 1)) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not OUTLETSxWORKERS,…") from None
    if not nights or any(len(n) != 2 or min(n) < 1 for n in nights):
        raise argparse.ArgumentTypeError(f"{text!r} is not OUTLETSxWORKERS,…")
    return [(n[0], n[1]) for n in nights]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def tables(scenarios: list[Scenario]) -> list[Table]:
    base = {s.outlets: s for s in scenarios if s.workers == 1}
    header = ["night", "state", "wall s", "vs 1 worker", "shard flow runs s",
              "crawl s (each shard)", "extract s", "load s (under the lake's lock)",
              "articles in the lake", "distinct ids"]
    rows = []
    for s in scenarios:
        one = base.get(s.outlets)
        rows.append([s.label, s.state, f"{s.wall:.1f}",
                     f"{s.wall / one.wall:.2f}×" if one else "— (not run)",
                     " / ".join(f"{x['seconds']:.0f}" for x in s.shards),
                     " / ".join(f"{x:.0f}" for x in s.stage("crawl")),
                     f"{_median(s.stage('extract')):.1f} (median)",
                     " / ".join(f"{x:.1f}" for x in s.stage("load")),
                     str(sum(s.articles.values())), str(s.distinct)])
    sizes = [[s.label, str(sum(s.articles.values())), f"{s.lake['catalog_bytes'] / 2**20:.1f}",
              str(s.lake["snapshots"]), str(s.lake["catalog_files"]), str(s.lake["data_files"]),
              f"{s.lake['data_bytes'] / 2**20:.1f}",
              f"{s.lake['data_bytes'] / max(1, sum(s.articles.values())) / 1024:.1f}"]
             for s in scenarios]
    return [Table("One night fanned out over Prefect workers, loading one DuckLake", header, rows,
                  left_columns=2),
            Table("The lake after the night (a new lake each; the migrations' snapshots "
                  "included)", ["night", "articles", "catalog MB (PostgreSQL)", "snapshots",
                                "data files listed", "files in the data folder", "data MB",
                                "data KB per article"], sizes)]


def targets(scenarios: list[Scenario]) -> list[Target]:
    """The 2-workers-vs-1 goal of issue 17, when both nights ran."""
    by = {(s.outlets, s.workers): s for s in scenarios}
    one, two = by.get((2, 1)), by.get((2, 2))
    if not (one and two):
        return []
    ratio = two.wall / one.wall
    figures = f"{ratio:.2f}×, {two.wall:.1f} s vs {one.wall:.1f} s"
    return [Target(f"2 workers' night ≤ {GOAL}× of 1 worker's (2 outlets)", ratio, GOAL, "<=",
                   Unit(".2f", "×"), note=figures, why=figures)]


def notes(scenarios: list[Scenario]) -> list[str]:
    by = {(s.outlets, s.workers): s for s in scenarios}
    lines = []
    four, single = by.get((4, 4)), by.get((4, 1))
    if four and single:
        lines.append(f"4 workers on the 4-outlet night: {four.wall:.1f} s vs {single.wall:.1f} s "
                     f"on 1 worker ({four.wall / single.wall:.2f}×, "
                     f"{single.wall / four.wall:.2f}× as fast)")
    elif four:
        lines.append(f"4 workers on the 4-outlet night: {four.wall:.1f} s (1 worker not run)")
    for s in scenarios:
        loads = s.stage("load")
        if loads:
            lines.append(f"{s.label}: load stages {sum(loads):.1f} s summed (a wait at the "
                         f"lock included), {sum(s.articles.values()) / sum(loads):.0f} articles "
                         "per second of it")
    same = {o: {k: v for k, v in s.articles.items()} for o, s in by.items()}
    for outlets in {o for o, _ in by}:
        counts = [same[k] for k in same if k[0] == outlets]
        agree = all(c == counts[0] for c in counts)
        lines.append(f"{outlets}-outlet night: the lake holds the same articles per outlet "
                     f"whatever the workers: {'yes' if agree else 'NO: ' + str(counts)}")
    return lines


def section(scenarios: list[Scenario], args: argparse.Namespace, before: str,
            after: str) -> Section:
    """This module's section of BENCHMARKS.md."""
    intro = (f"`python -m bench.workers{' --quick' if args.quick else ''}"
             + (" --nights " + ",".join(f"{o}x{w}" for o, w in args.nights)
                if args.nights else "")
             + "`: real `prefect "
             "server` and `prefect worker start` processes (`--limit 1`, each its own working "
             "and temp folder), the `nightly-fanout` parent flow, one `nightly-shard` flow run "
             "per outlet (one extraction process each), all loading one new DuckLake per night "
             "(PostgreSQL 15 catalog on loopback, data on local disk); the synthetic web serves "
             f"{args.per_outlet} articles per outlet (lebrief- and lepetitjournalmarocain-like "
             f"outlets, alternating), every response {args.latency * 1000:.0f} ms late, crawled "
             "with the production settings (AutoThrottle, target concurrency 1). Workers poll "
             f"every {POLL_SECONDS} s. Machine load before: {before}; after: {after}.")
    return Section("Workers: one night over 1, 2 and 4 Prefect workers (bench/workers.py)",
                   [intro, *tables(scenarios)], notes(scenarios), targets(scenarios))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-outlet", type=int, help=f"articles per outlet (default "
                        f"{PER_OUTLET}, quick {QUICK_PER_OUTLET})")
    parser.add_argument("--latency", type=float, default=LATENCY, help="seconds per response")
    parser.add_argument("--quick", action="store_true", help="small outlets: a few minutes")
    parser.add_argument("--markdown", type=Path, help="write this module's BENCHMARKS.md section")
    parser.add_argument("--workdir", type=Path, help="where the fleet, runs and lakes go")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("--nights", type=_nights, help="OUTLETSxWORKERS,… in this order "
                        "(default 2x1,2x2,4x1,4x4; quick 2x1,2x2,4x4)")
    args = parser.parse_args(argv)
    args.per_outlet = args.per_outlet or (QUICK_PER_OUTLET if args.quick else PER_OUTLET)
    if args.per_outlet < 1 or args.latency < 0:
        parser.error("--per-outlet must be ≥ 1 and --latency ≥ 0")
    console = Console()
    # Short: the extraction pool puts AF_UNIX sockets under the shards' TMPDIR (the fleet's).
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kbw-", dir="/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    before = sample_load().text()
    try:
        scenarios = run_all(args, work, console)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    after = sample_load().text()
    if args.json:
        _write_json(args.json, scenarios, before, after)
    report = section(scenarios, args, before, after)
    report.show(console, args.markdown)
    return 0 if all(s.state in ("Completed",) for s in scenarios) else 1


if __name__ == "__main__":
    raise SystemExit(main())
