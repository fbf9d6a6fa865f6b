"""A whole night as one plain function: prepare, crawl, extract, load, check, report, publish.

:func:`run_night` is the night's one sequence. It calls its stages through an object with the
stage functions as attributes: ``pipeline.stages`` (plain calls, no Prefect: tests, benchmarks,
a night without a server) or ``flows.tasks`` (the same functions as Prefect tasks, with
retries, the ``warehouse-writes`` slot and artifacts). The nightly and backfill flows are this
function given Prefect's stages, so a night run with or without Prefect cannot drift apart.
It records how long each stage took (``NightOutcome.seconds``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from khabar.paths import default_runs_dir, runs_archive
from khabar.run.crawlargs import REPLAY_SETTINGS
from khabar.run.layout import new_run_id
from pipeline import stages as plain
from pipeline.context import LOG, Crawls, RunContext, warehouse_target
from pipeline.params import CrawlScope
from pipeline.quality import Breach, QualityThresholds, QualityVerdict
from registry import Outlet, load_outlets, select_outlets


class Stages(Protocol):
    """The stages a night calls, by name (``pipeline.stages`` or ``flows.tasks``)."""

    def prepare_run(self, run: RunContext, outlets: list[Outlet],
                    parameters: dict) -> dict[str, dict[str, Any]]: ...
    def require_network(self, outlets: list[Outlet]) -> None: ...
    def crawl_outlets(self, run: RunContext, outlets: list[Outlet], options: dict,
                      state: dict[str, dict[str, Any]], *, max_parallel: int) -> Crawls: ...
    def extract(self, run: RunContext, outlets: list[Outlet],
                workers: int | None) -> dict[str, Any]: ...
    def load(self, run: RunContext) -> Any: ...
    def summarise(self, run: RunContext, crawls: Crawls,
                  history_runs: int) -> tuple[list[dict], list]: ...
    def check_quality(self, rows: list[dict], history_runs: list[dict],
                      thresholds: QualityThresholds) -> QualityVerdict: ...
    def report(self, run: RunContext, rows: list[dict], failed: dict[str, str],
               warnings: list[str]) -> str: ...
    def publish(self, run: RunContext) -> str: ...
    def publish_trends(self, run: RunContext, rows: list[dict],
                       history_runs: list[dict]) -> Any: ...
    def fail_night(self, run: RunContext, error: BaseException) -> str: ...
    def archive(self, run: RunContext) -> str: ...


@dataclass(frozen=True)
class NightPlan:
    """What a night is asked to do."""

    outlets: list[Outlet]
    parameters: dict  # recorded with the run (crawl_runs.parameters)
    crawl_options: dict  # ``pipeline.crawl.crawl_outlet`` keyword arguments for every outlet
    snapshot: bool = False  # the bundled snapshot: no network check
    max_parallel: int = 4  # crawl processes at once
    extract_workers: int | None = None  # extraction processes (None: one per core)
    # The checks against each outlet's history; None for a backfill, whose numbers are not a
    # night's: no checks, no trends, and one earlier run read.
    quality: QualityThresholds | None = None

    @property
    def goes_online(self) -> bool:
        """Whether the crawls reach the real web (and the night first checks that it is there).

        Not when they replay the bundled snapshot, nor when their Scrapy settings route every
        request to a replay server (``REPLAY_SETTINGS``: the synthetic web of ``bench/``, the
        fault servers of ``tests/``), whose made-up host names resolve nowhere: the probe failed
        such a night as "offline" before it crawled (``bench.night``, 2026-12-06).
        """
        settings = self.crawl_options.get("settings") or {}
        return not (self.snapshot or any(settings.get(name) for name in REPLAY_SETTINGS))


@dataclass
class NightOutcome:
    """How a night ended."""

    run: RunContext
    crawls: Crawls | None = None  # None: it stopped before its crawls ended
    rows: list[dict] = field(default_factory=list)  # per outlet, as reported
    breaches: list[Breach] = field(default_factory=list)
    error: str | None = None  # the line a night that stopped before its load ended with
    seconds: dict[str, float] = field(default_factory=dict)  # per stage called


class _Timed:
    """``stages`` with the seconds spent in each call added to ``seconds`` by stage name."""

    def __init__(self, stages: Stages, seconds: dict[str, float]) -> None:
        self._stages, self._seconds = stages, seconds

    def __getattr__(self, name: str) -> Callable[..., Any]:
        stage = getattr(self._stages, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return stage(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self._seconds[name] = self._seconds.get(name, 0.0) + elapsed

        return timed


def run_night(run: RunContext, plan: NightPlan, stages: Stages = plain) -> NightOutcome:
    """Crawl, extract, load, check and report one night. One outlet failing does not stop the
    others; a night that cannot go on before its load (offline, a full disk, a failed stage) is
    closed as failed and says why in ``error``.
    """
    outcome = NightOutcome(run)
    timed: Any = _Timed(stages, outcome.seconds)
    try:
        state = timed.prepare_run(run, plan.outlets, plan.parameters)
        if plan.goes_online:
            timed.require_network(plan.outlets)
        crawls = timed.crawl_outlets(run, plan.outlets, plan.crawl_options, state,
                                     max_parallel=plan.max_parallel)
        timed.extract(run, plan.outlets, plan.extract_workers)
        timed.load(run)
    except Exception as error:  # noqa: BLE001 - the run is closed as failed, never left running
        outcome.error = timed.fail_night(run, error)
        _archive(timed, run)
        return outcome
    outcome.crawls = crawls
    quality = plan.quality
    rows, history = timed.summarise(run, crawls, quality.lookback_runs if quality else 1)
    warnings: list[str] = []
    if quality:
        verdict = timed.check_quality(rows, history, quality)
        rows, warnings, outcome.breaches = verdict.rows, verdict.warnings, verdict.breaches
    timed.report(run, rows, crawls.failed, warnings)
    timed.publish(run)  # after the run's end is recorded: the read copy shows it finished
    if quality:
        timed.publish_trends(run, rows, history)
    outcome.rows = rows
    _archive(timed, run)
    return outcome


def _archive(stages: Any, run: RunContext) -> None:
    """Last, when ``$KHABAR_RUNS_ARCHIVE`` is set: the run folder uploaded to it. The night's
    data is in the warehouse by then: a store that fails leaves the folder local and a warning,
    not a failed night."""
    if not runs_archive():
        return
    try:
        stages.archive(run)
    except Exception as error:  # noqa: BLE001 - a warning: the night itself is done
        LOG.warning("run folder %s not archived: %s (`python -m khabar.run.archive %s URL` "
                    "finishes it)", run.run_dir, error, run.run_dir)


# -- setting a night up -------------------------------------------------------------------------

def resolve_outlets(wanted: list[str] | None, snapshot: bool) -> list[Outlet]:
    """Registry entries to crawl; in snapshot mode, by default the outlets the snapshot holds.

    Raises:
        registry.RegistryError: a bad registry or an unknown outlet, before any work starts.
    """
    outlets = load_outlets()
    if snapshot and not wanted:
        from snapshot import snapshot_outlets

        wanted = [o for o in snapshot_outlets() if o in outlets]
    return select_outlets(outlets, wanted)


def new_run(flow_name: str, db_path: str | None, runs_dir: str | None) -> RunContext:
    """A fresh run id and where the run keeps its files and rows."""
    run_id = new_run_id()
    runs = Path(runs_dir) if runs_dir else default_runs_dir()
    return RunContext(flow_name, run_id, runs / run_id, warehouse_target(db_path))


def crawl_options(scope: CrawlScope, snapshot: bool, **extra: Any) -> dict:
    """Keyword arguments of ``pipeline.crawl.crawl_outlet`` common to every outlet of a run."""
    options = {"since": scope.since, "until": scope.until, "max_pages": scope.max_pages, **extra}
    if snapshot:
        from snapshot import SNAPSHOT_WARC

        options["snapshot_warc"] = SNAPSHOT_WARC
    return options


def nightly_plan(outlets: list[Outlet], scope: CrawlScope, *, snapshot: bool = False,
                 max_parallel: int = 4, extract_workers: int | None = None,
                 quality: QualityThresholds | None = None,
                 crawl_settings: dict[str, str] | None = None) -> NightPlan:
    """The plan of a nightly run (``flows.nightly``'s parameters)."""
    parameters = {**scope.model_dump(mode="json"), "outlets": [o.id for o in outlets],
                  "snapshot": snapshot}
    options = crawl_options(scope, snapshot,
                            **({"settings": crawl_settings} if crawl_settings else {}))
    return NightPlan(outlets, parameters, options, snapshot, max_parallel, extract_workers,
                     quality or QualityThresholds())


def backfill_plan(outlets: list[Outlet], scope: CrawlScope, *, snapshot: bool = False,
                  max_parallel: int = 2) -> NightPlan:
    """The plan of a backfill (``flows.backfill``): the window passed to the spider as a
    backfill, no quality checks."""
    parameters = {**scope.model_dump(mode="json"), "snapshot": snapshot}
    return NightPlan(outlets, parameters, crawl_options(scope, snapshot, backfill=True),
                     snapshot, max_parallel, None, None)
