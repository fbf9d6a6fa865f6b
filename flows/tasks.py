"""The Prefect tasks of the crawl → extract → load → report pipeline, shared by the flows.

Each task is a thin wrapper over a plain function of ``flows.crawl``, ``flows.extraction``,
``flows.report``, ``flows.quality`` or ``warehouse``. Retries only where a retry can help: a
live crawl (network, a busy server) and warehouse writes (another process holding the file).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

import warehouse
from flows import recovery
from flows.children import ChildFailed, run_json_child
from flows.crawl import crawl_outlet, failure_reason, read_stats
from flows.diskspace import is_no_space, no_space_line
from flows.network import offline_reason
from flows.paths import mark_run_dir
from flows.report import artifact_table, outlet_rows, run_markdown
from registry import Outlet
from spiders.rawstore import read_damage
from warehouse import load as loader
from warehouse import monitoring

# Timeouts of the extraction and load processes (``stage_timeout``). Measured (BENCHMARKS.md):
# one extraction worker does ~100 pages/s (10 ms of CPU a page), a 20,000-page load and its
# publication take ~20 s (1 ms a page). The allowances are 20x and 50x that, for a loaded machine
# and slow pages; the base covers starting the pool (up to 10 s), waiting for the warehouse's
# write lock (KHABAR_LOCK_WAIT, 120 s by default) and copying a large read copy. A stage past
# its timeout is hung, not slow: it is killed and the night fails saying so.
STAGE_BASE_SECONDS = 600.0
EXTRACT_SECONDS_PER_PAGE = 0.2
LOAD_SECONDS_PER_PAGE = 0.05

# Prefect global concurrency limit held by every task that writes the warehouse. Created on a
# server with `prefect gcl create warehouse-writes --limit 1`; where it does not exist (a run
# without a server), `concurrency()` lets the task through.
WAREHOUSE_WRITES = "warehouse-writes"


@dataclass(frozen=True)
class RunContext:
    """Where one flow run keeps its files and rows (small: passed to every task)."""

    flow: str
    run_id: str
    run_dir: Path
    db: Path


@dataclass
class Crawls:
    """What the crawls of a run gave: the outlets tried and why some failed."""

    outlets: list[str]
    failed: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, tuple[float, float]] = field(default_factory=dict)  # start, end (epoch)


class NightFailed(RuntimeError):
    """The night cannot go on (offline, a full disk); the message is the line it ends with."""


class CrawlFailed(RuntimeError):
    """A crawl that gave nothing usable; ``retryable`` is False when a retry cannot help."""

    def __init__(self, message: str, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


@contextmanager
def warehouse_writes() -> Iterator[None]:
    """Hold the ``warehouse-writes`` slot: one writer at a time, across workers and machines.

    Where the limit does not exist (one worker, a run without a server), nothing is held: the
    DuckDB file lock still serialises writers, and asking the API for a missing limit costs
    1.5-1.8 s each time (measured by bench/prefect_overhead.py), four times a night.
    """
    logger = get_run_logger()
    if not _limit_exists(str(flow_run.id)):
        yield
        return
    with concurrency(WAREHOUSE_WRITES, occupy=1, strict=False):
        logger.info("%s: acquired", WAREHOUSE_WRITES)
        try:
            yield
        finally:
            logger.info("%s: released", WAREHOUSE_WRITES)


@cache
def _limit_exists(flow_run_id: str) -> bool:
    """Whether the ``warehouse-writes`` limit exists, asked once per flow run (a limit created
    between two runs is used by the next one)."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(WAREHOUSE_WRITES)
        except ObjectNotFound:
            return False
    return True


def _retry_helps(task: Any, task_run: Any, state: Any) -> bool:
    try:
        state.result()
    except CrawlFailed as exc:
        return exc.retryable
    except Exception:  # noqa: BLE001 - a timeout or a crash may pass
        return True
    return False


@task(name="prepare-run", retries=2, retry_delay_seconds=exponential_backoff(10),
      retry_jitter_factor=0.5)
def prepare_run(run: RunContext, outlets: list[Outlet], parameters: dict
                ) -> dict[str, dict[str, Any]]:
    """Record the run, sync the registry, close runs whose process died, and write each
    outlet's incremental state for its crawler: seen URLs, known articles with their last
    fetch, feed/sitemap validators, and the URLs that failed on earlier nights
    (``flows.recovery``).

    Returns:
        Per outlet, the crawl's state arguments (``seen_file``, ``known_file``,
        ``validators_file``, ``retry_file``, and ``rediscover`` when a source failed).
    """
    logger = get_run_logger()
    state: dict[str, dict[str, Any]] = {}
    mark_run_dir(run.run_dir, run.run_id, run.flow)  # ours: retention may delete it one day
    with warehouse_writes(), warehouse.connect(run.db) as con:
        for run_id in recovery.close_abandoned_runs(con, run.run_id):
            logger.warning("run %s never finished (its process is gone): marked abandoned; "
                           "its files were never loaded, so this run redoes its work", run_id)
        loader.sync_outlets(con, outlets)
        loader.record_run_start(con, run.run_id, run.flow,
                                {**parameters, "process": recovery.this_process()})
        for outlet in outlets:
            state[outlet.id], plan = recovery.write_crawl_state(con, run.run_dir, outlet)
            if plan.line():
                (logger.warning if plan.given_up else logger.info)("%s", plan.line())
    return state


@task(name="crawl", task_run_name="crawl-{outlet}", retries=2,
      retry_delay_seconds=exponential_backoff(30), retry_jitter_factor=0.5,
      retry_condition_fn=_retry_helps)
def crawl(outlet: str, run: RunContext, options: dict) -> tuple[float, float]:
    """One outlet's crawl in its own process; its log summarised into Prefect's logger.

    Raises:
        CrawlFailed: the crawl gave nothing usable (retried only on the live web).

    Returns:
        When the crawl process started and ended (epoch seconds).
    """
    logger = get_run_logger()
    result = crawl_outlet(outlet, run.run_dir, run.run_id, **options)
    stats, log = result.stats, result.log
    logger.info(
        "%s: %s requests, %s responses, %s article URLs discovered, %s fetched, errors %s; "
        "exit %s in %.1fs; %s (full log %s)", outlet, stats.get("requests", "?"),
        stats.get("responses", "?"), stats.get("articles_discovered", "?"),
        stats.get("articles_fetched", "?"), stats.get("errors_by_class") or "none",
        result.returncode, result.seconds, log.line(), result.log_path)
    for problem, times in log.problems:
        logger.warning("%s: %s (x%d)", outlet, problem, times)
    reason = failure_reason(result)
    if reason:
        raise CrawlFailed(f"{outlet}: {reason}", retryable="snapshot_warc" not in options)
    return result.started_at, result.finished_at


def crawl_outlets(run: RunContext, outlets: Sequence[Outlet], options: dict,
                  state: dict[str, dict[str, Any]], *, max_parallel: int) -> Crawls:
    """Crawl every outlet, ``max_parallel`` processes at a time; failures are collected.

    The progress artifact ``<flow>-progress`` advances as each crawl ends.
    """
    crawls = Crawls([o.id for o in outlets])
    progress = create_progress_artifact(0.0, key=f"{run.flow}-progress",
                                        description=f"0/{len(outlets)} outlets crawled")
    with ThreadPoolTaskRunner(max_workers=max_parallel) as runner:
        futures = {runner.submit(crawl, {"outlet": o.id, "run": run,
                                         "options": {**options, **state[o.id]}}): o.id
                   for o in outlets}
        for done, future in enumerate(as_completed(list(futures)), start=1):
            outlet = futures[future]
            outcome = future.result(raise_on_failure=False)
            if isinstance(outcome, BaseException):
                crawls.failed[outlet] = str(outcome).removeprefix(f"{outlet}: ")
            else:
                crawls.seconds[outlet] = outcome
            update_progress_artifact(progress, 100.0 * done / len(outlets),
                                     description=f"{done}/{len(outlets)} outlets crawled, "
                                     f"{len(crawls.failed)} failed (last: {outlet})")
    full = [o for o, reason in crawls.failed.items() if is_no_space(reason)]
    if full:  # nothing more can be written: stop the night here, saying why in one line
        raise NightFailed(no_space_line(run.run_dir))
    return crawls


@task(name="extract")
def extract(run: RunContext, outlets: list[Outlet], workers: int | None) -> dict[str, Any]:
    """Extract every raw page of the run in a process pool (pure: no retry).

    The pool's parent is a process of its own (``python -m flows.extract_process``), not this
    one: the flow process then never imports trafilatura and its language model (~110 MB), and
    the pool's forkserver ends with the stage instead of living on through the load.

    Returns:
        The extraction summary: ``path``, ``pages`` and ``verdicts`` per outlet.
    """
    hints = run.run_dir / "extraction-hints.json"
    hints.write_text(json.dumps({o.id: o.extraction_hints.model_dump(mode="json")
                                 for o in outlets}))
    cmd = [sys.executable, "-m", "flows.extract_process", str(run.run_dir.resolve()),
           "--hints", str(hints.resolve())]
    cmd += [] if workers is None else ["--workers", str(workers)]
    summary = run_json_child(cmd, "the extraction process",
                             timeout=stage_timeout(run.run_dir, EXTRACT_SECONDS_PER_PAGE))
    logger = get_run_logger()
    for line in summary.pop("stderr")[-20:]:
        logger.warning("extraction process: %s", line)
    logger.info("extracted %d pages: %s", summary["pages"], summary["verdicts"])
    return summary


@task(name="load", retries=2, retry_delay_seconds=exponential_backoff(10),
      retry_jitter_factor=0.5)
def load(run: RunContext) -> None:
    """Bulk-load the run in one transaction; a retry after a lock or crash reloads cleanly.
    The read copy is published later (``publish``), once the run's end is recorded.

    The load runs in a process of its own (``python -m warehouse load``): DuckDB and Arrow keep
    the memory a load used for the life of their process, which here would be the flow's, and a
    20,000-page night then held 1.4 GB through to its report (bench.night).

    Raises:
        flows.children.ChildFailed: the load process failed (its last error line says why),
            died or timed out.
    """
    logger = get_run_logger()
    with warehouse_writes():
        outcome = load_in_child(run)
    for line in outcome.pop("stderr")[-20:]:
        logger.warning("load process: %s", line)
    logger.info("loaded run %s: %s", run.run_id, outcome["total"])


def load_in_child(run: RunContext) -> dict[str, Any]:
    """``python -m warehouse load --no-publish`` for the run; its JSON outcome.

    Raises:
        flows.children.ChildFailed: the load process failed, died or timed out.
    """
    return run_json_child([sys.executable, "-m", "warehouse", "--db", str(run.db.resolve()),
                           "load", str(run.run_dir.resolve()), "--run-id", run.run_id,
                           "--no-publish", "--json"], "the load process",
                          timeout=stage_timeout(run.run_dir, LOAD_SECONDS_PER_PAGE))


@task(name="publish", retries=2, retry_delay_seconds=exponential_backoff(10),
      retry_jitter_factor=0.5)
def publish(run: RunContext) -> str:
    """Bring the full-text index up to date and publish the read copy analysts open.

    Last of the night, after ``report`` recorded the run's end: a copy published by the load
    showed the night as ``running`` with no counts until the next night replaced it. In a
    process of its own (``python -m warehouse publish``) for the reason ``load`` gives.

    Returns:
        The read copy's path.

    Raises:
        flows.children.ChildFailed: the publish process failed, died or timed out.
    """
    logger = get_run_logger()
    with warehouse_writes():
        outcome = run_json_child([sys.executable, "-m", "warehouse", "--db",
                                  str(run.db.resolve()), "publish", "--json"],
                                 "the publish process", timeout=STAGE_BASE_SECONDS)
    for line in outcome.pop("stderr")[-20:]:
        logger.warning("publish process: %s", line)
    logger.info("published the read copy %s", outcome["read_copy"])
    return outcome["read_copy"]


def stage_timeout(run_dir: Path, per_page: float) -> float:
    """Seconds the extraction or load process of a run may take: ``STAGE_BASE_SECONDS`` plus
    ``per_page`` for each page the crawls stored (their ``crawl/<outlet>.json``)."""
    pages = 0
    for path in (run_dir / "crawl").glob("*.json"):
        try:
            pages += int(json.loads(path.read_text()).get("articles_fetched") or 0)
        except (OSError, ValueError, AttributeError):
            continue  # a crawl killed mid-write: counted as none; the base covers small nights
    return STAGE_BASE_SECONDS + per_page * pages


@task(name="check-network")
def check_network(outlets: list[Outlet]) -> str | None:
    """Why no outlet can be reached (offline), or None (``flows.network``); seconds."""
    reason = offline_reason(outlets)
    if reason is None:
        get_run_logger().info("network: the outlets can be reached")
    return reason


def require_network(outlets: list[Outlet]) -> None:
    """Raise ``NightFailed`` in the flow (a line, not a task's traceback) when offline."""
    reason = check_network(outlets)
    if reason:
        raise NightFailed(reason)


def fail_night(run: RunContext, error: BaseException) -> State:
    """Close a run that could not go on (``crawl_runs.status`` ``failed``, the reason in its
    ``counts.error``) and return the flow's ``Failed`` state, whose message is one line: never a
    run left ``running``, nor a full disk hidden behind the error it caused next."""
    if is_no_space(error):
        line = no_space_line(run.run_dir)
    elif isinstance(error, NightFailed | ChildFailed):
        line = " ".join(str(error).split())
    else:
        line = f"{type(error).__name__}: " + " ".join(str(error).split())
    closed = close_failed_run(run, line, return_state=True)
    if not closed.is_completed():
        get_run_logger().error("could not record the run as failed (%s): the next run will "
                               "mark it abandoned", closed.message)
    return Failed(message=line, data={"run_id": run.run_id, "error": line})


@task(name="close-failed-run", retries=2, retry_delay_seconds=exponential_backoff(10))
def close_failed_run(run: RunContext, line: str) -> None:
    """Record the run as ``failed`` with the reason, and publish it as the run's summary."""
    counts = {"error": line, "damaged_files": [d.line() for d in read_damage(run.run_dir)],
              "retries": recovery.read_plans(run.run_dir)}
    with warehouse_writes(), warehouse.connect(run.db) as con:
        try:
            loader.record_run_end(con, run.run_id, "failed", counts)
        except KeyError:
            get_run_logger().warning("run %s was never recorded: nothing to close", run.run_id)
    get_run_logger().error("%s run %s failed: %s", run.flow, run.run_id, line)
    create_markdown_artifact(key=f"{run.flow}-summary",
                             markdown=f"# {run.flow.capitalize()} run `{run.run_id}` failed\n\n"
                             f"{line}\n",
                             description=f"Summary of {run.flow} run {run.run_id}")


@task(name="summarise")
def summarise(run: RunContext, crawls: Crawls, history_runs: int) -> tuple[list[dict], list]:
    """Per-outlet rows of this run (crawl stats + loaded counts) and the flow's recent runs."""
    stats = {outlet: read_stats(run.run_dir / "crawl" / f"{outlet}.json")
             for outlet in crawls.outlets}
    with warehouse_writes(), warehouse.connect(run.db) as con:
        summary = loader.run_summary(con, run.run_id)
        medians = monitoring.median_words(con, run.run_id)
        history = monitoring.recent_runs(con, run.flow, run.run_id, history_runs)
    damaged: dict[str, list[str]] = {}
    for damage in read_damage(run.run_dir):
        damaged.setdefault(damage.outlet, []).append(damage.line())
    return outlet_rows(summary, stats, medians, crawls.failed, crawls.outlets, damaged), history


@task(name="report", retries=2, retry_delay_seconds=exponential_backoff(10))
def report(run: RunContext, rows: list[dict], failed: dict[str, str],
           warnings: list[str]) -> str:
    """Close the run record (its rows become history) and publish the table and summary.

    Returns:
        The run's status: ``failed``, ``warned`` or ``completed``.
    """
    status = "failed" if failed else "warned" if warnings else "completed"
    damaged = [d.line() for d in read_damage(run.run_dir)]
    counts = {"outlets": rows, "failed": failed, "warnings": warnings,
              "retries": recovery.read_plans(run.run_dir), "damaged_files": damaged}
    with warehouse_writes(), warehouse.connect(run.db) as con:
        loader.record_run_end(con, run.run_id, status, counts)
    create_table_artifact(key=f"{run.flow}-outlets", table=artifact_table(rows),
                          description=f"Per-outlet counts of {run.flow} run {run.run_id}")
    create_markdown_artifact(key=f"{run.flow}-summary",
                             markdown=run_markdown(run.flow, run.run_id, rows, failed, warnings,
                                                   damaged),
                             description=f"Summary of {run.flow} run {run.run_id}")
    return status
