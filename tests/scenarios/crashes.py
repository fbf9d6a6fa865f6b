"""SIGKILL the nightly flow during a stage, then run the next night (not a test module).

The flow runs as ``python -m flows.nightly --snapshot`` in its own process group, against the
caller's Prefect API (``PREFECT_API_URL`` of the test harness). The kill lands where an
operator would see the stage running, with no hook in production code:

* **crawl**: the API shows a ``crawl-*`` task running and a ``scrapy crawl`` child of the flow
  has opened its spider (the crawls are slowed by a polite ``DOWNLOAD_DELAY`` so the window is
  seconds wide). Only the flow process is killed, as the OOM killer would: its crawls must die
  with it (``PR_SET_PDEATHSIG``, ``flows/children.py``), not write on into a dead run.
* **extract**: the API shows the ``extract`` task running and its process pool has started.
* **load**: the API shows the ``load`` task running and the flow's load process holds the
  warehouse file's write lock (``/proc/locks``).

The last two kill the whole process group, as a worker cancelling a run does. After each kill
the warehouse must open and hold no part of the killed run (all its rows or none). The runs
form a chain on one warehouse (:func:`crash_chain`): a run of lebrief killed during its crawl;
the next run of lebrief must crawl it all, and is killed during extraction; the next, of the
whole snapshot, must extract it all and is killed during the load; the last must mark the
three killed runs ``abandoned`` and load every snapshot article exactly once. (Independent
kill-then-recover pairs would prove the same at twice the cost: a killed run leaves nothing
loaded, or, killed after the load's commit, everything.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from khabar.run.layout import LOGS, RunFolder
from snapshot import load_expected
from tests.scenarios.chaos import Tally, tally
from tests.support import ROOT

STAGES = ("crawl", "extract", "load")
# The crawl is made slow (not failing) so that the kill finds it running.
SLOW_CRAWL = ("-s", "DOWNLOAD_DELAY=0.4", "-s", "AUTOTHROTTLE_ENABLED=False",
              "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
# What each killed run is asked to do: one outlet is enough to be killed in crawl or
# extraction (and cheaper); the load kill gets the whole snapshot, so its load lasts.
KILLED_RUN_ARGS = {"crawl": ("--outlets", "lebrief", *SLOW_CRAWL),
                   "extract": ("--outlets", "lebrief"), "load": ()}


@dataclass
class CrashOutcome:
    """What one kill did, and how far the next run took the work."""

    stage: str
    kill: str  # what was killed: the flow process alone, or its process group
    landed_in: list[str]  # task runs the API showed running when the flow died
    after_kill: str  # the warehouse right after the kill
    consistent: bool
    orphans: int  # crawl processes still alive 5 s after their flow died
    killed_status: str = "?"  # crawl_runs.status of the killed run at the end
    next_run: str = "?"  # what the next run did with the killed stage's work
    next_ok: bool = False

    @property
    def ok(self) -> bool:
        return (self.consistent and self.orphans == 0 and self.killed_status == "abandoned"
                and self.next_ok)


@dataclass
class CrashChain:
    """Three runs killed in turn (crawl, extract, load), then one left to finish."""

    outcomes: list[CrashOutcome]
    final_exit: int
    final_status: str  # crawl_runs.status of the last run
    tally: Tally
    seconds: float

    @property
    def ok(self) -> bool:
        return (all(o.ok for o in self.outcomes) and self.final_exit == 0
                and self.final_status == "completed" and self.tally.complete)


def nightly_command(db: Path, runs: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "flows.nightly", "--snapshot", "--db", str(db),
            "--runs-dir", str(runs), "--parallel", "3", *extra]


def flow_env() -> dict[str, str]:
    """The flow's environment: the caller's Prefect API (no temporary server per process)."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PYTHONUNBUFFERED": "1", "KHABAR_LOCK_WAIT": "30"}
    if PREFECT_API_URL.value():
        env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    return env


def start(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``cmd`` in a new session (its own process group), output to ``log``; ``env`` defaults
    to :func:`flow_env`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env or flow_env(), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(check: Callable[[], bool], proc: subprocess.Popen, timeout: float,
               what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None:
            raise AssertionError(f"the flow exited ({proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout:.0f} s")
        time.sleep(0.05)


# -- what the process tree and the API show -----------------------------------------------------

def children(pid: int) -> dict[int, str]:
    """Descendants of ``pid`` (Linux ``/proc``): {pid: command line}."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(
                b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found[child] = commands.get(child, "")
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def holds_lock(pid: int, path: Path) -> bool:
    """Whether ``pid`` holds a POSIX lock on ``path`` (DuckDB's write lock)."""
    if not path.exists():
        return False
    inode = os.stat(path).st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[4] == str(pid) and fields[5].endswith(f":{inode}"):
            return True
    return False


def running_tasks(db: Path) -> list[str]:
    """Names of the running task runs of the latest flow run writing ``db`` (the API's view)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=5)
        ours = [r for r in runs if r.parameters.get("db_path") == str(db)]
        if not ours:
            return []
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[ours[0].id])))
    return sorted(t.name for t in tasks if t.state is not None and t.state.is_running())


def _stage_running(stage: str, db: Path, proc: subprocess.Popen) -> Callable[[], bool]:
    def crawl() -> bool:
        opened = any("Spider opened" in p.read_text(errors="replace")
                     for run in db.parent.glob("runs/*") for p in (run / LOGS).glob("*.log"))
        return opened and any(t.startswith("crawl-") for t in running_tasks(db))

    def extract() -> bool:
        pool = any("forkserver" in cmd for cmd in children(proc.pid).values())
        return pool and any(t.startswith("extract") for t in running_tasks(db))

    def load() -> bool:
        tree = [proc.pid, *children(proc.pid)]  # the load runs in a child process
        return (any(holds_lock(pid, db) for pid in tree)
                and any(t.startswith("load") for t in running_tasks(db)))

    return {"crawl": crawl, "extract": extract, "load": load}[stage]


# -- the warehouse after the kill --------------------------------------------------------------

def run_rows(db: Path, run_id: str) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {table: con.execute(f"select count(*) from {table} where run_id = ?",  # noqa: S608
                                   [run_id]).fetchone()[0]
                for table in ("pages", "fetches", "extractions")}


def check_after_kill(db: Path, run_dir: Path) -> tuple[bool, str]:
    """The warehouse opens, shows the killed run as not finished, and holds all of its rows
    or none (a load is one transaction)."""
    if not db.exists():
        return True, "no warehouse file yet"
    with duckdb.connect(str(db), read_only=True) as con:
        status = con.execute("select status from crawl_runs where run_id = ?",
                             [run_dir.name]).fetchone()
        broken = con.execute("select count(*) from articles a where not exists (select 1 "
                             "from article_versions v where v.article_id = a.article_id)"
                             ).fetchone()[0]
    rows = run_rows(db, run_dir.name)
    raw = _count_lines(RunFolder(run_dir).fetch_files())
    if status is None or status[0] != "running":
        return False, f"killed run recorded as {status}"
    if broken:
        return False, f"{broken} articles without a version"
    if not any(rows.values()):
        return True, "consistent: nothing of the killed run"
    if rows["fetches"] == raw and rows["extractions"] > 0:
        return True, "consistent: the killed run's load had committed"
    return False, f"partial run: {rows} of {raw} fetches"


def _count_lines(files: list[Path]) -> int:
    import gzip

    total = 0
    for path in files:
        try:
            with gzip.open(path, "rt") as handle:
                total += sum(1 for _ in handle)
        except (OSError, EOFError):
            return -1  # a file cut by the kill: the run cannot have been loaded
    return total


def crash_chain(work: Path, *, timeout: float = 240) -> CrashChain:
    """On one warehouse: a run killed during the crawl, the next killed during extraction,
    the next during the load, then a run left to finish. Each run starts by closing the
    killed one and redoes its work; each kill is checked before the next run starts."""
    db, runs = work / "news.duckdb", work / "runs"
    started = time.monotonic()
    outcomes: list[CrashOutcome] = []
    for number, stage in enumerate(STAGES, start=1):
        before = set(runs.iterdir()) if runs.exists() else set()
        proc = start(nightly_command(db, runs, *KILLED_RUN_ARGS[stage]),
                     work / f"run{number}.log")
        outcome = _kill_during(stage, proc, db)
        run_dir = next(iter(set(runs.iterdir()) - before))
        outcome.consistent, outcome.after_kill = check_after_kill(db, run_dir)
        if outcomes:
            outcomes[-1].next_run, outcomes[-1].next_ok = _progress(
                outcomes[-1].stage, run_dir, f"then killed during {stage}")
        outcomes.append(outcome)
    before = set(runs.iterdir())
    final = start(nightly_command(db, runs), work / "final.log")
    code = final.wait(timeout=timeout)
    run_dir = next(iter(set(runs.iterdir()) - before))
    outcomes[-1].next_run, outcomes[-1].next_ok = _progress(
        outcomes[-1].stage, run_dir, f"then completed (exit {code})")
    with duckdb.connect(str(db), read_only=True) as con:
        statuses = dict(con.execute("select run_id, status from crawl_runs").fetchall())
    for outcome, killed in zip(outcomes, sorted(statuses)[:len(outcomes)], strict=True):
        outcome.killed_status = statuses[killed]
    return CrashChain(outcomes, code, statuses.get(run_dir.name, "missing"), tally(db),
                      round(time.monotonic() - started, 1))


def _kill_during(stage: str, proc: subprocess.Popen, db: Path) -> CrashOutcome:
    """Wait for ``stage`` to run, then SIGKILL: the flow alone during the crawl (its crawls
    must follow it), the whole process group otherwise."""
    try:
        wait_until(_stage_running(stage, db, proc), proc, 240, f"{stage} running")
        crawlers = [pid for pid, cmd in children(proc.pid).items() if "scrapy" in cmd]
        landed = running_tasks(db)
        if stage == "crawl":
            os.kill(proc.pid, signal.SIGKILL)
            kill = "the flow process alone"
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            kill = "its process group"
        proc.wait(timeout=30)
        deadline = time.monotonic() + 5
        while any(alive(p) for p in crawlers) and time.monotonic() < deadline:
            time.sleep(0.1)
        orphans = sum(alive(p) for p in crawlers)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
    return CrashOutcome(stage=stage, kill=kill, landed_in=landed, after_kill="?",
                        consistent=False, orphans=orphans)


def _progress(stage: str, run_dir: Path, then: str) -> tuple[str, bool]:
    """Whether the run after a kill did the work of the stage the killed run died in (the
    killed crawl and extraction were lebrief's: all its pages crawled, or extracted)."""
    pages = sum(1 for e in load_expected() if e["outlet"] == "lebrief")  # its articles
    if stage == "crawl":
        path = RunFolder(run_dir).crawl_stats_file("lebrief")
        fetched = json.loads(path.read_text())["articles_fetched"] if path.exists() else 0
        return f"crawled lebrief ({fetched} pages), {then}", fetched >= pages
    if stage == "extract":
        parquet = RunFolder(run_dir).articles
        table = pq.read_table(parquet, columns=["outlet"]) if parquet.exists() else None
        rows = 0 if table is None else table.column("outlet").to_pylist().count("lebrief")
        return f"extracted lebrief ({rows} pages), {then}", rows >= pages
    return then, "completed" in then and "exit 0" in then


def chain_json(chain: CrashChain) -> str:
    """The chain as JSON (debugging, logs)."""
    return json.dumps(asdict(chain), default=str, indent=1)
