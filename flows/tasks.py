"""The Prefect tasks of the crawl → extract → load → report pipeline, shared by the flows.

Each task is a thin wrapper over a plain function of ``flows.crawl``, ``flows.extraction``,
``flows.report``, ``flows.quality`` or ``warehouse``. Retries only where a retry can help: a
live crawl (network, a busy server) and warehouse writes (another process holding the file).
"""

from __future__ import annotations

import json
import subprocess
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
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

import warehouse
from flows import recovery
from flows.crawl import crawl_outlet, dying_with_parent, failure_reason
from flows.paths import PROJECT_ROOT
from flows.report import artifact_table, outlet_rows, run_markdown
from registry import Outlet
from warehouse import load as loader
from warehouse import monitoring

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
    summary = run_child(cmd, f"extracting run {run.run_id}", RuntimeError)
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
        warehouse.WarehouseError: the load process failed (its last error line says why).
    """
    logger = get_run_logger()
    with warehouse_writes():
        outcome = load_in_child(run)
    for line in outcome.pop("stderr")[-20:]:
        logger.warning("load process: %s", line)
    logger.info("loaded run %s: %s", run.run_id, outcome["total"])


def load_in_child(run: RunContext) -> dict[str, Any]:
    """``python -m warehouse load --no-publish`` for the run; its JSON outcome."""
    return run_child([sys.executable, "-m", "warehouse", "--db", str(run.db.resolve()), "load",
                      str(run.run_dir.resolve()), "--run-id", run.run_id, "--no-publish",
                      "--json"], f"loading run {run.run_id}", warehouse.WarehouseError)


@task(name="publish", retries=2, retry_delay_seconds=exponential_backoff(10),
      retry_jitter_factor=0.5)
def publish(run: RunContext) -> str:
    """Bring the full-text index up to date and publish the read copy analysts open.

    Last of the night, after ``report`` recorded the run's end: a copy published by the load
    showed the night as ``running`` with no counts until the next night replaced it. In a
    process of its own (``python -m warehouse publish``) for the reason ``load`` gives.

    Returns:
        The read copy's path.
    """
    logger = get_run_logger()
    with warehouse_writes():
        outcome = run_child([sys.executable, "-m", "warehouse", "--db", str(run.db.resolve()),
                             "publish", "--json"], f"publishing run {run.run_id}",
                            warehouse.WarehouseError)
    for line in outcome.pop("stderr")[-20:]:
        logger.warning("publish process: %s", line)
    logger.info("published the read copy %s", outcome["read_copy"])
    return outcome["read_copy"]


def run_child(cmd: list[str], what: str, error: type[Exception]) -> dict[str, Any]:
    """Run ``cmd`` (killed if this process dies) and parse the JSON line it ends its output
    with; what it wrote to stderr comes back as ``stderr`` (warnings the flow's log shows).

    Raises:
        error: the process failed; the message ends with its last line of stderr.
    """
    done = subprocess.run(dying_with_parent(cmd), cwd=PROJECT_ROOT, capture_output=True,
                          text=True, check=False)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if done.returncode != 0:
        raise error(f"{what} failed (exit {done.returncode}): "
                    f"{lines[-1] if lines else 'no error output'}")
    outcome = json.loads(done.stdout.splitlines()[-1])
    outcome["stderr"] = lines
    return outcome


@task(name="summarise")
def summarise(run: RunContext, crawls: Crawls, history_runs: int) -> tuple[list[dict], list]:
    """Per-outlet rows of this run (crawl stats + loaded counts) and the flow's recent runs."""
    stats = {}
    for outlet in crawls.outlets:
        path = run.run_dir / "crawl" / f"{outlet}.json"
        stats[outlet] = json.loads(path.read_text()) if path.exists() else {}
    with warehouse_writes(), warehouse.connect(run.db) as con:
        summary = loader.run_summary(con, run.run_id)
        medians = monitoring.median_words(con, run.run_id)
        history = monitoring.recent_runs(con, run.flow, run.run_id, history_runs)
    return outlet_rows(summary, stats, medians, crawls.failed, crawls.outlets), history


@task(name="report", retries=2, retry_delay_seconds=exponential_backoff(10))
def report(run: RunContext, rows: list[dict], failed: dict[str, str],
           warnings: list[str]) -> str:
    """Close the run record (its rows become history) and publish the table and summary.

    Returns:
        The run's status: ``failed``, ``warned`` or ``completed``.
    """
    status = "failed" if failed else "warned" if warnings else "completed"
    counts = {"outlets": rows, "failed": failed, "warnings": warnings,
              "retries": recovery.read_plans(run.run_dir)}
    with warehouse_writes(), warehouse.connect(run.db) as con:
        loader.record_run_end(con, run.run_id, status, counts)
    create_table_artifact(key=f"{run.flow}-outlets", table=artifact_table(rows),
                          description=f"Per-outlet counts of {run.flow} run {run.run_id}")
    create_markdown_artifact(key=f"{run.flow}-summary",
                             markdown=run_markdown(run.flow, run.run_id, rows, failed, warnings),
                             description=f"Summary of {run.flow} run {run.run_id}")
    return status
