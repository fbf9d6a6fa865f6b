"""Process and disk faults for the tests and ``make reliability`` (not a test module).

Helpers to kill by PID (psutil; watching process trees is ``tests/support/processes.py``), to
mount a small file system (tmpfs, as root) and to read how a night ended.
``tests/scenarios/test_night_failures.py`` injects one fault per test; :func:`process_faults`
(``make reliability``) injects each fault into a real night on one warehouse and runs nights
after it until every snapshot article is stored.
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

from khabar.run.layout import FETCHES, RAW, RunFolder, outlet_of
from khabar.run.salvage import complete_records, read_damage
from tests.support.processes import (  # noqa: F401 (re-exported for the scenarios)
    command_under,
    descendants,
    pool_of,
    survivors,
    wait_for,
)

# A crawl slowed (not failing) so that a kill finds it running.
SLOW_CRAWL_SETTINGS = {"DOWNLOAD_DELAY": "0.4", "AUTOTHROTTLE_ENABLED": "False",
                       "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}


# -- process trees: watching them is tests/support/processes.py; killing is here ----------------

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
            except Exception:  # noqa: BLE001 - a tree changing under us: look again
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
def mount_small_disk(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``160k``, ``2m``) mounted at ``path`` for the block, unmounted
    after it.

    Raises:
        CannotMount: not root on Linux, or the mount was refused (the reason says which).
    """
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        raise CannotMount("mounting a small file system (tmpfs) needs root on Linux")
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        raise CannotMount(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@contextlib.contextmanager
def small_disk(path: Path, size: str) -> Iterator[Path]:
    """:func:`mount_small_disk` for a test: skipped, with the reason, where it cannot mount."""
    try:
        with mount_small_disk(path, size) as mounted:
            yield mounted
    except CannotMount as exc:
        pytest.skip(str(exc))


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


# -- scenarios: a fault in a real night, then nights until every article is stored ---------------

# A night running longer than this is hung (killed and counted): a snapshot night takes 20-60 s.
HANG_SECONDS = 600.0
MAX_NIGHTS = 4
# Night 1 of the crawl scenarios: crawls slowed so that the kills find them writing.
SLOW_CRAWL_ARGS = tuple(a for name, value in SLOW_CRAWL_SETTINGS.items()
                        for a in ("-s", f"{name}={value}"))


class CannotMount(RuntimeError):
    """No small file system can be mounted here (not root, not Linux, mount refused)."""


@dataclass
class Night:
    """One ``python -m flows.nightly --snapshot`` of a scenario."""

    number: int
    exit: int | None  # None: hung (killed after HANG_SECONDS)
    status: str  # crawl_runs.status once the scenario ended
    line: str  # why it failed (counts.error, or the failed crawls), else ""
    seconds: float
    loaded: int  # snapshot articles in the warehouse after it
    expected: int


@dataclass
class FaultRun:
    """A fault injected into a night on a fresh warehouse, and the nights that followed."""

    fault: str  # what was injected, where
    injected: int = 0  # faults injected
    nights: list[Night] = field(default_factory=list)
    orphans: int = 0  # processes of a killed tree still alive 15 s after its night ended
    note: str = ""  # what the fault left behind (files cut...)
    lost: int = 0  # snapshot articles missing after the last night
    duplicates: int = 0  # article rows beyond one per canonical URL, after the last night
    skipped: str = ""  # why the scenario could not run here (nothing else is set then)

    @property
    def hangs(self) -> int:
        return sum(n.exit is None for n in self.nights)

    @property
    def converged_after(self) -> int | None:
        """Nights until every snapshot article was stored (None: not within MAX_NIGHTS)."""
        return next((n.number for n in self.nights if n.loaded == n.expected), None)

    @property
    def ok(self) -> bool:
        return bool(self.skipped) or (self.converged_after is not None and self.lost == 0
                                      and self.duplicates == 0 and self.hangs == 0
                                      and self.orphans == 0 and self.injected > 0)


# Given night 1's flow process and the runs folder, start the killers that inject the fault.
Inject = Callable[[subprocess.Popen, Path], list[Killer]]


def run_nights(work: Path, fault: str, inject: Inject | None, *,
               runs: Path | None = None, first_args: tuple[str, ...] = (),
               env: Callable[[int], dict[str, str]] | None = None,
               before_night: Callable[[int], None] | None = None) -> FaultRun:
    """Night 1 with ``inject`` watching it, then plain nights on the same warehouse until the
    snapshot is stored whole (at most ``MAX_NIGHTS``)."""
    from tests.scenarios.chaos import tally
    from tests.scenarios.crashes import nightly_command, start

    db, runs = work / "news.duckdb", runs or work / "runs"
    result = FaultRun(fault=fault)
    run_ids: list[str] = []
    for number in range(1, MAX_NIGHTS + 1):
        if before_night:
            before_night(number)
        before = set(runs.iterdir()) if runs.exists() else set()
        started = time.monotonic()
        proc = start(nightly_command(db, runs, *(first_args if number == 1 else ())),
                     work / f"night{number}.log", env(number) if env else None)
        killers = inject(proc, runs) if number == 1 and inject else []
        try:
            code: int | None = proc.wait(timeout=HANG_SECONDS)
        except subprocess.TimeoutExpired:
            code = None
        for killer in killers:  # counted before anything is cleaned up
            result.injected += killer.killed is not None
            left = survivors(killer.tree, 15)
            result.orphans += len(left)
            for orphan in left:
                with contextlib.suppress(psutil.Error):
                    orphan.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        proc.wait()
        new = sorted(set(runs.iterdir()) - before) if runs.exists() else []
        run_ids.append(new[0].name if new else "")
        counts = tally(db) if db.exists() else None
        result.nights.append(Night(number, code, "?", "", round(time.monotonic() - started, 1),
                                   counts.loaded if counts else 0,
                                   counts.expected if counts else 0))
        if counts and counts.complete:
            break
    for night, run_id in zip(result.nights, run_ids, strict=True):
        night.status, counts = night_status(db, run_id) if run_id and db.exists() else ("-", {})
        failed = counts.get("failed") or {}
        night.line = counts.get("error") or "; ".join(f"{o}: {r}" for o, r in failed.items())
    final = tally(db) if db.exists() else None
    result.lost = final.lost if final else -1
    result.duplicates = final.duplicates if final else -1
    return result


def _newest_run(runs: Path) -> Path | None:
    found = sorted(runs.glob("2*")) if runs.exists() else []
    return found[-1] if found else None


def _crawl_after(flow: subprocess.Popen, runs: Path, outlet: str, pages: int
                 ) -> Callable[[], psutil.Process | None]:
    def find() -> psutil.Process | None:
        run = _newest_run(runs)
        raw = RunFolder(run).raw_file(outlet) if run else None
        if raw is None or not raw.exists() or len(list(complete_records(raw))) < pages:
            return None
        return command_under(flow.pid, "scrapy", "crawl", outlet)
    return find


def kill_crawls(points: dict[str, int]) -> Inject:
    """Kill each outlet's crawl once its raw page file holds that many pages."""
    def inject(flow: subprocess.Popen, runs: Path) -> list[Killer]:
        return [kill_when(_crawl_after(flow, runs, outlet, pages))
                for outlet, pages in points.items()]
    return inject


def kill_extraction(flow: subprocess.Popen, runs: Path) -> list[Killer]:
    return [kill_when(lambda: extraction_process(flow.pid))]


def kill_pool_worker(flow: subprocess.Popen, runs: Path) -> list[Killer]:
    return [kill_when(lambda: (pool := pool_of(flow.pid, 1)) and pool[-1] or None)]


def kill_load(flow: subprocess.Popen, runs: Path) -> list[Killer]:
    return [kill_when(lambda: command_under(flow.pid, "-m", "warehouse", "load", "--json"))]


def kill_flow(flow: subprocess.Popen, runs: Path) -> list[Killer]:
    """The flow process alone, while its extraction pool runs: everything it started must go
    (the tree the killer records includes the temporary Prefect server)."""
    return [kill_when(lambda: psutil.Process(flow.pid) if extraction_process(flow.pid)
                      else None)]


def _damage_note(runs: Path) -> str:
    first = sorted(runs.glob("2*"))[:1]
    damage = read_damage(first[0]) if first else []
    if not damage:
        return ""
    return f"{len(damage)} files cut, salvaged: " + "; ".join(
        f"{d.path} ({d.records} records kept)" for d in damage)


def scenario_crawl_killed(work: Path) -> FaultRun:
    run = run_nights(work, "crawl: lebrief's scrapy process SIGKILLed after 3 pages",
                     kill_crawls({"lebrief": 3}), first_args=SLOW_CRAWL_ARGS)
    run.note = _damage_note(work / "runs")
    return run


def scenario_truncated_files(work: Path) -> FaultRun:
    run = run_nights(work, "truncated files: the 3 crawls SIGKILLed at different points (2, 4 "
                     "and 6 pages) leave 6 cut files", kill_crawls(
                         {"lebrief": 2, "lepetitjournalmarocain": 4, "maghress_fr": 6}),
                     first_args=SLOW_CRAWL_ARGS)
    run.note = _damage_note(work / "runs")
    return run


def scenario_extraction_killed(work: Path) -> FaultRun:
    return run_nights(work, "extraction child: `python -m pipeline.extract_process` SIGKILLed "
                      "once its pool runs", kill_extraction)


def scenario_pool_worker_killed(work: Path) -> FaultRun:
    return run_nights(work, "extraction pool worker SIGKILLed", kill_pool_worker)


def scenario_load_killed(work: Path) -> FaultRun:
    return run_nights(work, "load child: `python -m warehouse load` SIGKILLed", kill_load)


def scenario_flow_killed(work: Path) -> FaultRun:
    """Night 1 without a Prefect server (its temporary one, as `make demo`)."""
    def env(number: int) -> dict[str, str]:
        from tests.scenarios.crashes import flow_env

        base = flow_env()
        if number == 1:
            base = {k: v for k, v in base.items() if not k.startswith("PREFECT_API")}
            base["PREFECT_HOME"] = str(work / "prefect-home")
        return base

    return run_nights(work, "flow process SIGKILLed alone during extraction (temporary "
                      "Prefect server, extraction pool running)", kill_flow, env=env)


def scenario_full_disk(work: Path) -> FaultRun:
    """The run folder on a 160 KB tmpfs: night 1 fills it; before night 2 it grows to 64 MB
    (space freed). ``KHABAR_MIN_FREE_MB`` 0 on night 1: a disk filling during the night."""
    mount = work / "small"
    fault = "full disk: the run folder's file system (tmpfs, 160 KB) fills during night 1"
    try:
        with mount_small_disk(mount, "160k"):
            def env(number: int) -> dict[str, str]:
                from tests.scenarios.crashes import flow_env

                return {**flow_env(), "KHABAR_MIN_FREE_MB": "0" if number == 1 else "10"}

            def grow(number: int) -> None:
                if number == 2:
                    subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=True)

            run = run_nights(work, fault, None, runs=mount / "runs", env=env,
                             before_night=grow)
            run.injected = 1
            return run
    except CannotMount as exc:
        return FaultRun(fault=fault, skipped=str(exc))


SCENARIOS: list[Callable[[Path], FaultRun]] = [
    scenario_crawl_killed, scenario_truncated_files, scenario_extraction_killed,
    scenario_pool_worker_killed, scenario_load_killed, scenario_flow_killed, scenario_full_disk,
]


def process_faults(work: Path, scenarios: list[Callable[[Path], FaultRun]] | None = None
                   ) -> list[FaultRun]:
    """Every scenario, each on a fresh warehouse under ``work/<scenario name>``."""
    return [scenario(work / scenario.__name__.removeprefix("scenario_"))
            for scenario in (SCENARIOS if scenarios is None else scenarios)]


# -- random cuts: files cut anywhere load what they hold ------------------------------------------

@dataclass
class CutLoad:
    """One run folder with one file cut at a random offset, extracted and loaded."""

    file: str
    kept_bytes: int
    total_bytes: int
    records_kept: int  # complete records salvaged
    loaded: dict[str, int]  # pages (raw) or fetches per outlet once loaded
    whole: dict[str, int]  # the same before the cut
    ok: bool  # loaded == whole except the cut outlet, which holds exactly records_kept


def cut_loads(run_dir: Path, work: Path, cuts: int = 8, seed: int = 15) -> list[CutLoad]:
    """Cut one raw or fetch file of a complete run folder at ``cuts`` random offsets; each
    copy is extracted and loaded into a fresh warehouse (``extract_run``, ``load_run``)."""
    import random
    import shutil

    from pipeline.extraction import extract_run
    from warehouse import connect
    from warehouse.load import load_run, record_run_start

    rng = random.Random(seed)
    files = sorted([*RunFolder(run_dir).raw_files(), *RunFolder(run_dir).fetch_files()])
    table = {RAW: "pages", FETCHES: "fetches"}
    results = []
    for number in range(cuts):
        copy = work / f"cut{number}" / run_dir.name
        shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("*.parquet"))
        target = copy / rng.choice(files).relative_to(run_dir)
        data = target.read_bytes()
        kept = rng.randrange(len(data))
        target.write_bytes(data[:kept])
        salvaged = len(list(complete_records(target)))
        kind, outlet = target.parent.name, outlet_of(target)
        whole = {outlet_of(p): sum(1 for _ in complete_records(p))
                 for p in RunFolder(run_dir).outlet_files(kind)}
        extract_run(copy, {}, workers=0)
        with connect(copy.parent / "news.duckdb") as con:
            record_run_start(con, run_dir.name, "nightly", {})
            load_run(con, run_dir.name, copy)
            loaded = dict(con.execute(f"select outlet, count(*) from {table[kind]} "  # noqa: S608
                                      "group by outlet").fetchall())
        expected = {**whole, outlet: salvaged}
        results.append(CutLoad(str(target.relative_to(copy)), kept, len(data), salvaged,
                               loaded, whole, {k: v for k, v in loaded.items() if v}
                               == {k: v for k, v in expected.items() if v}))
    return results
