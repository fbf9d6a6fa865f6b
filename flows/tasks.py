"""The stages of a night as Prefect tasks: thin shells over ``pipeline.stages``.

Each task calls the plain stage of the same name with Prefect's run logger and adds only what
Prefect is for: retries where a retry can help (``khabar.retry``: a live crawl, the warehouse's
writers), the ``warehouse-writes`` concurrency slot around every writer, the crawls as
concurrent task runs, and the artifacts (progress, per-outlet table, summary, quality, trends).
This module has the stage names ``pipeline.night.Stages`` asks for, so the flows hand it to
``pipeline.night.run_night``: a night with Prefect and one without it are the same sequence.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import (
    create_image_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound
from prefect.futures import PrefectFuture, as_completed
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

from khabar.retry import CRAWL_RETRY_DELAY, RETRY_JITTER, STAGE_RETRIES, WRITE_RETRY_DELAY
from pipeline import stages
from pipeline.context import CrawlFailed, Crawls, NightFailed, RunContext
from pipeline.network import offline_reason
from pipeline.quality import QualityThresholds, QualityVerdict, quality_markdown
from pipeline.report import artifact_table
from pipeline.trends import data_url, trends_markdown
from registry import Outlet

__all__ = ["archive", "check_quality", "crawl", "crawl_outlets", "extract", "fail_night", "load",
           "prepare_run", "publish", "publish_trends", "report", "require_network",
           "summarise", "warehouse_writes"]

# Prefect global concurrency limit held by every task that writes the warehouse. Created on a
# server with `prefect gcl create warehouse-writes --limit 1`; where it does not exist (a run
# without a server), `concurrency()` lets the task through.
WAREHOUSE_WRITES = "warehouse-writes"
# Retries of the warehouse's writers (another process holding the file): the policy's.
_WRITER_RETRIES: dict[str, Any] = {
    "retries": STAGE_RETRIES, "retry_delay_seconds": exponential_backoff(WRITE_RETRY_DELAY),
    "retry_jitter_factor": RETRY_JITTER}


@contextmanager
def warehouse_writes(run: RunContext | None = None) -> Iterator[None]:
    """Hold the ``warehouse-writes`` slot: one writer at a time, across workers and machines.

    Where the limit does not exist (one worker, a run without a server), nothing is held: the
    DuckDB file lock still serialises writers, and asking the API for a missing limit costs
    1.5-1.8 s each time (measured by bench/prefect_overhead.py), four times a night.

    On the DuckLake (``run.db`` None) nothing is held either: the lake's PostgreSQL write lock
    (``warehouse.lake.write_lock``) serialises only each load's transaction, so the shards of a
    fanned-out night (``flows/fanout.py``) prepare, summarise and report at the same time.
    No ``run`` (maintenance): a DuckDB file.
    """
    logger = get_run_logger()
    if (run is not None and run.db is None) or not _limit_exists(str(flow_run.id)):
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


@task(name="prepare-run", **_WRITER_RETRIES)
def prepare_run(run: RunContext, outlets: list[Outlet], parameters: dict
                ) -> dict[str, dict[str, Any]]:
    """``pipeline.stages.prepare_run`` holding the warehouse-writes slot."""
    with warehouse_writes(run):
        return stages.prepare_run(run, outlets, parameters, get_run_logger())


@task(name="crawl", task_run_name="crawl-{outlet}", retries=STAGE_RETRIES,
      retry_delay_seconds=exponential_backoff(CRAWL_RETRY_DELAY),
      retry_jitter_factor=RETRY_JITTER, retry_condition_fn=_retry_helps)
def crawl(outlet: str, run: RunContext, options: dict) -> tuple[float, float]:
    """``pipeline.stages.crawl``, retried only when a retry can help (``CrawlFailed``)."""
    return stages.crawl(outlet, run, options, get_run_logger())


def crawl_outlets(run: RunContext, outlets: Sequence[Outlet], options: dict,
                  state: dict[str, dict[str, Any]], *, max_parallel: int) -> Crawls:
    """Every outlet's ``crawl`` task, ``max_parallel`` at a time; failures are collected.

    The progress artifact ``<flow>-progress`` advances as each crawl ends.
    """
    crawls = Crawls([o.id for o in outlets])
    # Called from the flow's thread, Prefect's sync API gives the id, not a coroutine.
    progress = cast(UUID, create_progress_artifact(
        0.0, key=f"{run.flow}-progress", description=f"0/{len(outlets)} outlets crawled"))
    # Any: mypy settles Prefect's submit() overloads on the coroutine one for a sync task.
    runner: Any
    with ThreadPoolTaskRunner(max_workers=max_parallel) as runner:
        futures: dict[PrefectFuture[Any], str] = {
            runner.submit(crawl, {"outlet": o.id, "run": run,
                                  "options": {**options, **state[o.id]}}): o.id
            for o in outlets}
        for done, future in enumerate(as_completed(list(futures)), start=1):
            outlet = futures[future]
            crawls.record(outlet, future.result(raise_on_failure=False))
            update_progress_artifact(progress, 100.0 * done / len(outlets),
                                     description=crawls.progress(done, outlet))
    stages.stop_if_disk_full(run, crawls)
    return crawls


@task(name="extract")
def extract(run: RunContext, outlets: list[Outlet], workers: int | None) -> dict[str, Any]:
    """``pipeline.stages.extract`` (pure: never retried)."""
    return stages.extract(run, outlets, workers, get_run_logger())


@task(name="load", **_WRITER_RETRIES)
def load(run: RunContext) -> None:
    """``pipeline.stages.load`` holding the slot; a retry after a lock or crash reloads
    cleanly."""
    with warehouse_writes(run):
        stages.load(run, get_run_logger())


@task(name="publish", **_WRITER_RETRIES)
def publish(run: RunContext) -> str:
    """``pipeline.stages.publish`` holding the slot."""
    with warehouse_writes(run):
        return stages.publish(run, get_run_logger())


@task(name="archive", retries=STAGE_RETRIES,
      retry_delay_seconds=exponential_backoff(WRITE_RETRY_DELAY), retry_jitter_factor=RETRY_JITTER)
def archive(run: RunContext) -> str:
    """``pipeline.stages.archive``: the store is a network service, so the upload is retried
    (each attempt overwrites the same keys)."""
    return stages.archive(run, get_run_logger())


@task(name="check-network")
def check_network(outlets: list[Outlet]) -> str | None:
    """Why no outlet can be reached (offline), or None (``pipeline.network``); seconds."""
    reason = offline_reason(outlets)
    if reason is None:
        get_run_logger().info("network: the outlets can be reached")
    return reason


def require_network(outlets: list[Outlet]) -> None:
    """Raise ``NightFailed`` in the flow (a line, not a task's traceback) when offline."""
    reason = check_network(outlets)
    if reason:
        raise NightFailed(reason)


def fail_night(run: RunContext, error: BaseException) -> str:
    """Close a run that could not go on (``close-failed-run``) and return its one line: never a
    run left ``running``, nor a full disk hidden behind the error it caused next."""
    line = stages.failure_line(run, error)
    closed = close_failed_run(run, line, return_state=True)
    if not closed.is_completed():
        get_run_logger().error("could not record the run as failed (%s): the next run will "
                               "mark it abandoned", closed.message)
    return line


@task(name="close-failed-run", retries=STAGE_RETRIES,
      retry_delay_seconds=exponential_backoff(WRITE_RETRY_DELAY))
def close_failed_run(run: RunContext, line: str) -> None:
    """``pipeline.stages.close_failed_run``, and the line published as the run's summary."""
    with warehouse_writes(run):
        stages.close_failed_run(run, line, get_run_logger())
    create_markdown_artifact(key=f"{run.flow}-summary",
                             markdown=f"# {run.flow.capitalize()} run `{run.run_id}` failed\n\n"
                             f"{line}\n",
                             description=f"Summary of {run.flow} run {run.run_id}")


@task(name="summarise")
def summarise(run: RunContext, crawls: Crawls, history_runs: int) -> tuple[list[dict], list]:
    """``pipeline.stages.summarise`` (it opens the warehouse read-write: the slot is held)."""
    with warehouse_writes(run):
        return stages.summarise(run, crawls, history_runs, get_run_logger())


@task(name="check-quality")
def check_quality(rows: list[dict], history_runs: list[dict],
                  thresholds: QualityThresholds) -> QualityVerdict:
    """``pipeline.stages.check_quality``, and the ``nightly-quality`` markdown artifact."""
    verdict = stages.check_quality(rows, history_runs, thresholds, get_run_logger())
    create_markdown_artifact(key="nightly-quality", markdown=quality_markdown(verdict),
                             description="Outlets compared with their own recent history")
    return verdict


@task(name="report", retries=STAGE_RETRIES,
      retry_delay_seconds=exponential_backoff(WRITE_RETRY_DELAY))
def report(run: RunContext, rows: list[dict], failed: dict[str, str],
           warnings: list[str]) -> str:
    """``pipeline.stages.report``, and the per-outlet table and summary artifacts."""
    with warehouse_writes(run):
        status = stages.report(run, rows, failed, warnings, get_run_logger())
    create_table_artifact(key=f"{run.flow}-outlets", table=artifact_table(rows),
                          description=f"Per-outlet counts of {run.flow} run {run.run_id}")
    create_markdown_artifact(key=f"{run.flow}-summary",
                             markdown=stages.report_markdown(run, rows, failed, warnings),
                             description=f"Summary of {run.flow} run {run.run_id}")
    return status


@task(name="trends")
def publish_trends(run: RunContext, rows: list[dict], history_runs: list[dict]) -> Path:
    """``pipeline.stages.publish_trends``, and the ``<flow>-trends`` markdown and
    ``<flow>-trends-chart`` image artifacts.

    Returns:
        The SVG file's path.
    """
    trends = stages.publish_trends(run, rows, history_runs, get_run_logger())
    about = f"Per-outlet trends up to {run.flow} run {run.run_id}"
    create_markdown_artifact(key=f"{run.flow}-trends", markdown=trends_markdown(trends.data),
                             description=about)
    create_image_artifact(image_url=data_url(trends.svg), key=f"{run.flow}-trends-chart",
                          description=about)
    return trends.path
