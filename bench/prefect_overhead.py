"""Prefect overhead: the nightly flow against the same work called directly, without Prefect.

    python -m bench.prefect_overhead [--repeat 3] [--quick] [--markdown FILE]

Measured in one run, on a temporary PREFECT_HOME and temporary DuckDB files:

* the temporary API server's start-up (what a flow run without ``PREFECT_API_URL`` waits for
  first), on a fresh Prefect database and again on the existing one;
* a snapshot night as ``flows.nightly.nightly(snapshot=True)`` against that server, and the same
  night without Prefect (``pipeline.night.run_night`` with the plain stages of
  ``pipeline.stages``, which ``flows/tasks.py`` wraps), alternating, each in a fresh process with
  a fresh warehouse (a night is one process in production: first-call costs count), ``--repeat``
  times; the median difference is Prefect's overhead, split by stage from the task runs;
* fixed costs against the running server: a flow run doing nothing, a task doing nothing, a
  ``warehouse-writes`` concurrency slot (held by the four tasks that write the warehouse);
* the import time of ``prefect`` and ``flows.nightly`` against a bare interpreter.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from bench.report import Section, Table, Target, Unit
from khabar.paths import PROJECT_ROOT as ROOT

STAGES = ("prepare", "crawl", "extract", "load", "summarise", "report")
# Task names in flows/tasks.py and flows/quality.py → the stage they belong to.
# ``publish`` (the read copy, once the run's end is recorded) was part of the load until the
# read copy had to show the night finished; it still counts as load, and ``trends`` as report.
TASK_STAGES = {"prepare-run": "prepare", "crawl": "crawl", "extract": "extract", "load": "load",
               "publish": "load", "summarise": "summarise", "check-quality": "summarise",
               "report": "report", "trends": "report"}
# ``pipeline.night.run_night``'s stage calls → the stage they belong to (as TASK_STAGES).
RUNNER_STAGES = {"prepare_run": "prepare", "require_network": "prepare", "crawl_outlets": "crawl",
                 "extract": "extract", "load": "load", "publish": "load",
                 "summarise": "summarise", "check_quality": "summarise", "report": "report",
                 "publish_trends": "report", "fail_night": "report"}
OVERHEAD_TARGET = 0.10  # of the direct work: a night's orchestration should not cost a tenth
CALLS, CALLS_QUICK = 10, 3  # tasks per flow when measuring fixed costs
_SECONDS = Unit(".1f", " s")  # a missed target's gap
STARTUP_TARGET = 20.0  # seconds: the README promises ~10-20 s for the temporary API
# What the direct night imports: the runners, which import no Prefect.
STAGE_MODULES = ("pipeline.night", "pipeline.stages", "pipeline.preflight", "registry",
                 "snapshot", "warehouse", "warehouse.load", "warehouse.monitoring")
# What each import-time row imports (``python -m bench.importtime NAME…``).
IMPORTS: dict[str, tuple[str, ...]] = {
    "python (nothing imported)": (),
    "import prefect": ("prefect",),
    "import flows.nightly": ("flows.nightly",),
    "import the stage modules (no Prefect)": STAGE_MODULES,
}


@dataclass(frozen=True)
class Night:
    """One night in its own process: time in the call, per stage, and what it loaded."""

    mode: str  # flow or direct
    seconds: float
    stages: dict[str, float]
    status: str
    articles: int
    exit_seconds: float  # from the result written to the process gone (Prefect flushes logs)


# ----------------------------------------------------------------- one night (child process)

def _scope(quick: bool) -> dict:
    """CrawlScope fields: every snapshot outlet, or one outlet and three pages with --quick."""
    if not quick:
        return {}
    from snapshot import snapshot_outlets

    return {"outlets": snapshot_outlets()[:1], "max_pages": 3}


def direct_night(scope_fields: dict, db: Path, runs_dir: Path, max_parallel: int
                 ) -> tuple[dict[str, float], str]:
    """The same night without Prefect: ``pipeline.night.run_night`` with its plain stages,
    the sequence the nightly flow runs with its tasks."""
    from pipeline.night import new_run, nightly_plan, resolve_outlets, run_night
    from pipeline.params import CrawlScope
    from pipeline.preflight import check_paths

    scope = CrawlScope(**scope_fields)
    outlets = resolve_outlets(scope.outlets, True)
    run = new_run("nightly", str(db), str(runs_dir))
    check_paths(run.db, run.run_dir.parent)
    outcome = run_night(run, nightly_plan(outlets, scope, snapshot=True,
                                          max_parallel=max_parallel))
    stages: dict[str, float] = {}
    for name, seconds in outcome.seconds.items():
        stage = RUNNER_STAGES[name]
        stages[stage] = stages.get(stage, 0.0) + seconds
    if outcome.error:
        return stages, "failed"
    failed = outcome.crawls is not None and outcome.crawls.failed
    return stages, "failed" if failed else "warned" if outcome.breaches else "completed"


def flow_stages(flow_run_id: object) -> dict[str, float]:
    """Seconds per stage from the flow's task runs (the crawls overlap: first start to last end)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    spans: dict[str, list[tuple[float, float]]] = {}
    for run in runs:
        stage = TASK_STAGES.get(run.name.rsplit("-", 1)[0])
        if stage and run.start_time and run.end_time:
            spans.setdefault(stage, []).append((run.start_time.timestamp(),
                                                run.end_time.timestamp()))
    stages = {}
    for stage, times in spans.items():
        if stage == "crawl":
            stages[stage] = max(e for _, e in times) - min(s for s, _ in times)
        else:
            stages[stage] = sum(e - s for s, e in times)
    return stages


def _articles(db: Path) -> int:
    import duckdb

    from bench.sql import bench_sql

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(bench_sql("select_article_count")).fetchone()[0]


def run_one_night(mode: str, quick: bool, workdir: Path, max_parallel: int) -> dict:
    """Child process: one night, with or without Prefect, into a fresh warehouse."""
    db, runs_dir = workdir / "news.duckdb", workdir / "runs"
    scope_fields = _scope(quick)
    if mode == "flow":
        from flows.nightly import nightly
        from pipeline.params import CrawlScope

        started = time.perf_counter()
        state = nightly(scope=CrawlScope(**scope_fields), snapshot=True, db_path=str(db),
                        runs_dir=str(runs_dir), max_parallel_crawls=max_parallel,
                        return_state=True)
        seconds = time.perf_counter() - started
        stages, status = flow_stages(state.state_details.flow_run_id), state.name.lower()
    else:
        for module in STAGE_MODULES:  # not the night's work
            importlib.import_module(module)
        started = time.perf_counter()
        stages, status = direct_night(scope_fields, db, runs_dir, max_parallel)
        seconds = time.perf_counter() - started
    return {"mode": mode, "seconds": seconds, "stages": stages, "status": status,
            "articles": _articles(db)}


# ----------------------------------------------------------------- the benchmark (parent)

def import_seconds(modules: tuple[str, ...], repeat: int, env: dict[str, str]) -> float:
    """Median wall time of importing ``modules`` in a fresh interpreter."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bench.importtime", *modules], cwd=ROOT, env=env,
                       check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def night_in_process(mode: str, quick: bool, workdir: Path, env: dict[str, str],
                     max_parallel: int) -> Night:
    """Run one night in a child process; its stdout/stderr go to ``workdir/night.log``."""
    workdir.mkdir(parents=True)
    result = workdir / "result.json"
    cmd = [sys.executable, "-m", "bench.prefect_overhead", "--night", mode, "--workdir",
           str(workdir), "--parallel", str(max_parallel)] + (["--quick"] if quick else [])
    with (workdir / "night.log").open("wb") as log:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              check=False)
    gone = time.time()
    if proc.returncode != 0 or not result.exists():
        tail = (workdir / "night.log").read_text(errors="replace").splitlines()[-30:]
        raise RuntimeError(f"{mode} night exited {proc.returncode}:\n" + "\n".join(tail))
    data = json.loads(result.read_text())
    return Night(data["mode"], data["seconds"], data["stages"], data["status"],
                 data["articles"], gone - data["written_at"])


def start_server() -> tuple[object, float]:
    """Start the temporary API server the way a flow run without PREFECT_API_URL does."""
    from prefect.server.api.server import SubprocessASGIServer

    started = time.perf_counter()
    server = SubprocessASGIServer()
    server.start()
    return server, time.perf_counter() - started


def per_call_costs(n: int, repeat: int) -> dict[str, float]:
    """What Prefect costs per flow run, per task and per ``warehouse-writes`` slot, in this
    process against the running server: flows of ``n`` tasks doing nothing, or only holding
    the slot as the warehouse-writing tasks do (after one warm-up run; median of ``repeat``)."""
    from prefect import flow, task

    from flows.tasks import warehouse_writes

    @task(name="noop")
    def noop() -> None:
        """Nothing: the task machinery alone."""

    @task(name="hold")
    def hold() -> None:
        with warehouse_writes():
            pass

    @flow(name="bench-calls")
    def calls(which: str, count: int) -> None:
        for _ in range(count):
            (hold if which == "hold" else noop)()

    def seconds(which: str, count: int) -> float:
        started = time.perf_counter()
        calls(which, count)
        return time.perf_counter() - started

    seconds("noop", 1)  # warm-up: the first run in a process pays lazy imports once
    empty, noops, holds = (statistics.median(seconds(which, count) for _ in range(repeat))
                           for which, count in (("noop", 0), ("noop", n), ("hold", n)))
    return {"flow": empty, "task": (noops - empty) / n, "slot": (holds - noops) / n}


def _isolate(home: Path) -> dict[str, str]:
    """Point Prefect at a temporary home and database, with no server configured."""
    home.mkdir(parents=True, exist_ok=True)
    os.environ.pop("PREFECT_API_URL", None)
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    # as flows/__init__.py: migrating a fresh database takes more than 20 s on a small machine
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    return dict(os.environ)


@dataclass
class Results:
    """Everything measured in one run of the benchmark."""

    imports: dict[str, float]
    startup: dict[str, float]  # "fresh database", "existing database"
    calls: dict[str, float]  # per_call_costs
    nights: list[Night]
    quick: bool
    repeat: int

    def rounds(self) -> list[tuple[Night, Night, bool]]:
        """(flow, direct, flow went first) per round."""
        pairs = []
        for i in range(0, len(self.nights), 2):
            first, second = self.nights[i: i + 2]
            flow, direct = (first, second) if first.mode == "flow" else (second, first)
            pairs.append((flow, direct, first.mode == "flow"))
        return pairs

    def median(self, mode: str) -> float:
        return statistics.median(n.seconds for n in self.nights if n.mode == mode)

    def overhead(self) -> float:
        """Median over the rounds of flow − direct (paired: same round, same machine load)."""
        return statistics.median(f.seconds - d.seconds for f, d, _ in self.rounds())

    def ratio(self) -> float:
        return statistics.median(f.seconds / d.seconds for f, d, _ in self.rounds())

    def stage_medians(self, mode: str) -> dict[str, float]:
        """Median seconds per stage, and ``outside`` (the night less its stages) per night."""
        nights = [n for n in self.nights if n.mode == mode]
        medians = {s: statistics.median(n.stages.get(s, 0.0) for n in nights) for s in STAGES}
        medians["outside"] = statistics.median(
            n.seconds - sum(n.stages.get(s, 0.0) for s in STAGES) for n in nights)
        return medians


def measure(quick: bool, repeat: int, max_parallel: int, work: Path, console: Console) -> Results:
    """Imports, server start-ups, then the nights alternating flow-first and direct-first."""
    env = _isolate(work / "prefect")
    imports = {}
    for label, modules in list(IMPORTS.items())[: 2 if quick else None]:
        imports[label] = import_seconds(modules, 1 if quick else 3, env)
        console.log(f"{label}: {imports[label]:.2f} s")
    startup = {}
    server, startup["fresh database"] = start_server()
    console.log(f"temporary API server, fresh database: {startup['fresh database']:.1f} s")
    if not quick:
        server.stop()
        server, startup["existing database"] = start_server()
        console.log(f"temporary API server, existing database: "
                    f"{startup['existing database']:.1f} s")
    nights = []
    try:
        calls = per_call_costs(CALLS_QUICK if quick else CALLS, 1 if quick else 3)
        console.log(f"fixed costs: {calls}")
        flow_env = {**env, "PREFECT_API_URL": server.api_url}
        for i in range(repeat):
            for mode in ("flow", "direct") if i % 2 == 0 else ("direct", "flow"):
                night = night_in_process(mode, quick, work / f"night-{i}-{mode}",
                                         flow_env if mode == "flow" else env, max_parallel)
                nights.append(night)
                console.log(f"night {i + 1}/{repeat} {mode}: {night.seconds:.1f} s, "
                            f"{night.articles} articles, {night.status}")
    finally:
        server.stop()
    return Results(imports, startup, calls, nights, quick, repeat)


# ----------------------------------------------------------------- report

def _tables(r: Results) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, columns, rows) of every table, shared by the console and the Markdown."""
    nights = []
    for i, (f, d, flow_first) in enumerate(r.rounds(), start=1):
        nights.append([f"{i} ({'flow' if flow_first else 'direct'} first)", f"{f.seconds:.1f}",
                       f"{d.seconds:.1f}", f"{f.seconds - d.seconds:+.1f}",
                       f"{f.seconds / d.seconds:.2f}", f"{f.articles} / {d.articles}",
                       f"{f.exit_seconds:.1f} / {d.exit_seconds:.1f}"])
    nights.append(["median", f"{r.median('flow'):.1f}", f"{r.median('direct'):.1f}",
                   f"{r.overhead():+.1f}", f"{r.ratio():.2f}", "", ""])
    fs, ds = r.stage_medians("flow"), r.stage_medians("direct")
    stages = [[s, f"{ds[s]:.2f}", f"{fs[s]:.2f}", f"{fs[s] - ds[s]:+.2f}"] for s in STAGES]
    stages.append(["outside the stages (flow run set-up, state changes, hand-offs)",
                   f"{ds['outside']:.2f}", f"{fs['outside']:.2f}",
                   f"{fs['outside'] - ds['outside']:+.2f}"])
    base = r.imports["python (nothing imported)"]
    imports = [[label, f"{s:.2f}", "baseline" if s == base else f"+{s - base:.2f}"]
               for label, s in r.imports.items()]
    n = CALLS_QUICK if r.quick else CALLS
    calls = [["a flow run doing nothing", f"{r.calls['flow']:.2f}"],
             [f"a task doing nothing (flow of {n})", f"{r.calls['task']:.2f}"],
             [f"a warehouse-writes slot, acquire + release (flow of {n})",
              f"{r.calls['slot']:.2f}"]]
    startup = [[what, f"{s:.1f}"] for what, s in r.startup.items()]
    usual = r.startup.get("existing database", r.startup["fresh database"])
    startup.append(["a night without a server (`python -m flows.nightly`): start-up + flow run",
                    f"{usual + r.median('flow'):.1f}"])
    return [
        ("Temporary API server start-up (a flow run without PREFECT_API_URL waits for it)",
         ["what", "seconds"], startup),
        (f"Snapshot night, flow against direct calls (fresh process and warehouse each, "
         f"server up; {r.repeat} round{'s, alternating' if r.repeat > 1 else ''})",
         ["round", "flow s", "direct s", "overhead s (median: of the rounds)", "flow/direct",
          "articles flow / direct",
          "process exit after s, flow / direct"], nights),
        ("Median seconds per stage (flow: its task runs; crawl: first start to last end)",
         ["stage", "direct s", "in the flow s", "difference s"], stages),
        ("Fixed costs, one process against the running server (after a warm-up run, median)",
         ["what", "seconds"], calls),
        ("Import time, fresh interpreter (baseline: python importing nothing)",
         ["what", "seconds", "minus baseline"], imports),
    ]


def targets(r: Results) -> list[Target]:
    """The overhead and start-up targets: met, or missed by how much and why."""
    direct, overhead = r.median("direct"), r.overhead()
    fs, ds = r.stage_medians("flow"), r.stage_medians("direct")
    worst = max((*STAGES, "outside"), key=lambda s: fs[s] - ds[s])
    fresh = r.startup["fresh database"]
    return [
        Target(f"Prefect overhead on a snapshot night ≤ {OVERHEAD_TARGET:.0%} of the direct "
               f"work ({overhead:+.1f} s on {direct:.1f} s, {overhead / direct:+.0%})",
               overhead, OVERHEAD_TARGET * direct, "<=", _SECONDS,
               why=f"largest stage difference: {worst} {fs[worst] - ds[worst]:+.1f} s; each "
                   f"task costs {r.calls['task']:.2f} s and each of the night's 4 "
                   f"warehouse-writes slots {r.calls['slot']:.2f} s"),
        Target(f"temporary API server start-up on a fresh PREFECT_HOME ≤ {STARTUP_TARGET:.0f} s "
               f"({fresh:.1f} s)", fresh, STARTUP_TARGET, "<=", _SECONDS,
               why=f"migrating a new Prefect database; load average {os.getloadavg()[0]:.2f} "
                   f"on {os.cpu_count()} cores"),
    ]


def section(r: Results) -> Section:
    """The ``## Prefect overhead`` section of BENCHMARKS.md."""
    scope = ("one snapshot outlet, 3 pages (--quick)" if r.quick
             else "every snapshot outlet, flow defaults (4 parallel crawls, one extraction "
                  "process per core)")
    intro = ("The nightly flow (`flows.nightly.nightly(snapshot=True)`) against the same work as "
             "plain calls without Prefect, each night in a fresh process with a fresh warehouse, "
             f"alternating which goes first; scope: {scope}. Overhead = flow − direct, ratio = "
             "flow / direct (baseline: the direct calls of the same round). Temporary "
             "PREFECT_HOME and Prefect database.")
    return Section("Prefect overhead",
                   [intro, *(Table(*table, align=True) for table in _tables(r))],
                   targets=targets(r))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, help="alternating rounds (default 3, 1 if --quick)")
    parser.add_argument("--quick", action="store_true", help="one outlet, 3 pages, one round")
    parser.add_argument("--markdown", type=Path, help="write the report section here")
    parser.add_argument("--parallel", type=int, default=4, help="crawls at once (flow default)")
    parser.add_argument("--workdir", type=Path, help="keep the work here (default: temporary)")
    parser.add_argument("--night", choices=("flow", "direct"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.night:  # a child process: one night, its result as JSON in the work directory
        data = run_one_night(args.night, args.quick, args.workdir, args.parallel)
        data["written_at"] = time.time()
        (args.workdir / "result.json").write_text(json.dumps(data))
        return 0
    console = Console()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="khabar-prefect-overhead-"))
    try:
        results = measure(args.quick, args.repeat or (1 if args.quick else 3), args.parallel,
                          work, console)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    report = section(results)
    report.show(console, args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
