"""The stages of a night as plain functions: what ``flows/tasks.py`` wraps in Prefect tasks.

Each takes the run (``RunContext``) and small values and returns small values; each logs through
the logger it is given (a task gives its run logger). Prefect adds only what it is for: retries
(``khabar.retry``), the ``warehouse-writes`` concurrency slot, artifacts, the UI. So a night runs,
is benchmarked and is tested without Prefect (``pipeline.night.run_night`` with this module as
its stages), like ``pipeline.reextract.reextract_run``.

The extraction, the load and the publish each run in a process of their own
(``pipeline.children``): the night's process then never holds trafilatura's language model nor
the memory DuckDB and Arrow keep for the life of a process (bench.night measured 1.4 GB held
through to the report otherwise).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import warehouse
from khabar.disk import free_bytes, human, is_no_space, mount_point
from khabar.paths import runs_archive
from khabar.retry import crawl_retry_helps
from khabar.run.archive import archive_run
from khabar.run.layout import EXTRACT_MODULE, RunFolder
from khabar.run.salvage import read_damage
from pipeline import recovery
from pipeline.children import ChildFailed, run_json_child
from pipeline.context import LOG, CrawlFailed, Crawls, Logger, NightFailed, RunContext
from pipeline.crawl import crawl_outlet, failure_reason, read_stats
from pipeline.network import offline_reason
from pipeline.quality import check_quality as check_quality  # a stage of the night too
from pipeline.report import outlet_rows, run_markdown
from pipeline.trends import Trends, write_trends
from registry import Outlet
from warehouse import load as loader
from warehouse import monitoring

__all__ = ["archive", "check_quality", "crawl", "crawl_outlets", "extract", "fail_night", "load",
           "prepare_run", "publish", "publish_trends", "report", "require_network",
           "summarise"]

# Timeouts of the extraction and load processes (``stage_timeout``). Measured (BENCHMARKS.md):
# one extraction worker does ~100 pages/s (10 ms of CPU a page), a 20,000-page load and its
# publication take ~20 s (1 ms a page). The allowances are 20x and 50x that, for a loaded machine
# and slow pages; the base covers starting the pool (up to 10 s), waiting for the warehouse's
# write lock (KHABAR_LOCK_WAIT, 120 s by default) and copying a large read copy. A stage past
# its timeout is hung, not slow: it is killed and the night fails saying so.
STAGE_BASE_SECONDS = 600.0
EXTRACT_SECONDS_PER_PAGE = 0.2
LOAD_SECONDS_PER_PAGE = 0.05


# -- prepare ------------------------------------------------------------------------------------

def prepare_run(run: RunContext, outlets: list[Outlet], parameters: dict,
                log: Logger = LOG) -> dict[str, dict[str, Any]]:
    """Record the run, sync the registry, close runs whose process died, and write each
    outlet's incremental state for its crawler: seen URLs, known articles with their last
    fetch, feed/sitemap validators, and the URLs that failed on earlier nights
    (``pipeline.recovery``).

    Returns:
        Per outlet, the crawl's state arguments (``seen_file``, ``known_file``,
        ``validators_file``, ``retry_file``, ``recheck_file``, and ``rediscover`` when a
        source failed).
    """
    state: dict[str, dict[str, Any]] = {}
    # Exclusively: a folder that exists (another machine's run) is never reused. Marked: retention
    # may delete it one day.
    run.folder.claim(run.run_id, run.flow)
    with warehouse.connect(run.db) as con:
        for run_id in recovery.close_abandoned_runs(con, run.run_id):
            log.warning("run %s never finished (its process is gone): marked abandoned; "
                        "its files were never loaded, so this run redoes its work", run_id)
        loader.sync_outlets(con, outlets)
        loader.record_run_start(con, run.run_id, run.flow,
                                {**parameters, "process": recovery.this_process()})
        for outlet in outlets:
            state[outlet.id], plan = recovery.write_crawl_state(con, run.run_dir, outlet)
            if plan.line():
                (log.warning if plan.given_up else log.info)("%s", plan.line())
    return state


def require_network(outlets: list[Outlet], log: Logger = LOG) -> None:
    """Raise ``NightFailed`` when no outlet can be reached (``pipeline.network``)."""
    reason = offline_reason(outlets)
    if reason:
        raise NightFailed(reason)
    log.info("network: the outlets can be reached")


# -- crawl --------------------------------------------------------------------------------------

def crawl(outlet: str, run: RunContext, options: dict, log: Logger = LOG) -> tuple[float, float]:
    """One outlet's crawl in its own process; its log summarised into ``log``.

    Raises:
        CrawlFailed: the crawl gave nothing usable (``retryable`` on the live web only).

    Returns:
        When the crawl process started and ended (epoch seconds).
    """
    result = crawl_outlet(outlet, run.run_dir, run.run_id, **options)
    stats, summary = result.stats, result.log
    log.info(
        "%s: %s requests, %s responses, %s article URLs discovered, %s fetched, errors %s; "
        "exit %s in %.1fs; %s (full log %s)", outlet, stats.get("requests", "?"),
        stats.get("responses", "?"), stats.get("articles_discovered", "?"),
        stats.get("articles_fetched", "?"), stats.get("errors_by_class") or "none",
        result.returncode, result.seconds, summary.line(), result.log_path)
    for problem, times in summary.problems:
        log.warning("%s: %s (x%d)", outlet, problem, times)
    reason = failure_reason(result)
    if reason:
        raise CrawlFailed(f"{outlet}: {reason}",
                          retryable=crawl_retry_helps(snapshot="snapshot_warc" in options))
    return result.started_at, result.finished_at


def crawl_outlets(run: RunContext, outlets: Sequence[Outlet], options: dict,
                  state: dict[str, dict[str, Any]], *, max_parallel: int, log: Logger = LOG,
                  progress: Callable[[int, str], None] | None = None) -> Crawls:
    """Crawl every outlet, ``max_parallel`` processes at a time; failures are collected.

    Args:
        options: ``crawl_outlet`` keyword arguments common to every outlet; ``state`` adds each
            outlet's own.
        progress: called with (crawls done, the line saying so) as each crawl ends.

    Raises:
        NightFailed: a crawl could not write its run files (a full disk): nothing more can be.
    """
    crawls = Crawls([o.id for o in outlets])
    with ThreadPoolExecutor(max_workers=max_parallel) as pool:
        futures = {pool.submit(crawl, o.id, run, {**options, **state[o.id]}, log): o.id
                   for o in outlets}
        for done, future in enumerate(as_completed(futures), start=1):
            outlet = futures[future]
            crawls.record(outlet, future.exception() or future.result())
            if progress:
                progress(done, crawls.progress(done, outlet))
    stop_if_disk_full(run, crawls)
    return crawls


def stop_if_disk_full(run: RunContext, crawls: Crawls) -> None:
    """Raise ``NightFailed`` (one line) when a crawl failed for a full disk."""
    if any(is_no_space(reason) for reason in crawls.failed.values()):
        raise NightFailed(no_space_line(run.run_dir))


def no_space_line(run_dir: Path) -> str:
    """The line a night ends with when the run folder's disk filled during it."""
    return (f"no space left on {mount_point(run_dir)} (run folder {run_dir}, "
            f"{human(free_bytes(run_dir))} free): the night stopped before its load, so nothing "
            "stored was touched; free some space (or set KHABAR_RUNS_DIR elsewhere) and run "
            "again: the next night redoes this one's work")


# -- extract, load, publish ---------------------------------------------------------------------

def extract(run: RunContext, outlets: list[Outlet], workers: int | None,
            log: Logger = LOG) -> dict[str, Any]:
    """Extract every raw page of the run in a process pool, in a process of its own
    (``pipeline.extract_process``; pure, so never retried).

    Returns:
        The extraction summary: ``path``, ``pages`` and ``verdicts`` per outlet.
    """
    hints = run.folder.hints_file
    hints.write_text(json.dumps({o.id: o.extraction_hints.model_dump(mode="json")
                                 for o in outlets}))
    cmd = [sys.executable, "-m", EXTRACT_MODULE, str(run.run_dir.resolve()),
           "--hints", str(hints.resolve())]
    cmd += [] if workers is None else ["--workers", str(workers)]
    summary = run_json_child(cmd, "the extraction process",
                             timeout=stage_timeout(run.run_dir, EXTRACT_SECONDS_PER_PAGE))
    for line in summary.pop("stderr")[-20:]:
        log.warning("extraction process: %s", line)
    log.info("extracted %d pages: %s", summary["pages"], summary["verdicts"])
    return summary


def load(run: RunContext, log: Logger = LOG) -> dict[str, Any]:
    """Bulk-load the run in one transaction (``python -m warehouse load --no-publish``): a
    second load after a lock or crash reloads cleanly. The read copy is published later
    (``publish``), once the run's end is recorded.

    Returns:
        The load process's JSON outcome (``total``: the counts).

    Raises:
        pipeline.children.ChildFailed: the load process failed (its last error line says
            why), died or timed out.
    """
    outcome = run_json_child([sys.executable, "-m", "warehouse", *run.warehouse_option,
                              "load", str(run.run_dir.resolve()), "--run-id", run.run_id,
                              "--no-publish", "--json"], "the load process",
                             timeout=stage_timeout(run.run_dir, LOAD_SECONDS_PER_PAGE))
    for line in outcome.pop("stderr")[-20:]:
        log.warning("load process: %s", line)
    log.info("loaded run %s: %s", run.run_id, outcome["total"])
    return outcome


def publish(run: RunContext, log: Logger = LOG) -> str:
    """Bring the full-text index up to date and publish the read copy analysts open
    (``python -m warehouse publish``).

    Last of the night, after ``report`` recorded the run's end: a copy published by the load
    showed the night as ``running`` with no counts until the next night replaced it.

    Returns:
        The read copy's path ("" on a DuckLake: its readers read its snapshots, no copy).

    Raises:
        pipeline.children.ChildFailed: the publish process failed, died or timed out.
    """
    if run.db is None:
        log.info("DuckLake warehouse: readers read its snapshots, there is no read copy to "
                 "publish")
        return ""
    outcome = run_json_child([sys.executable, "-m", "warehouse", *run.warehouse_option,
                              "publish", "--json"], "the publish process",
                             timeout=STAGE_BASE_SECONDS)
    for line in outcome.pop("stderr")[-20:]:
        log.warning("publish process: %s", line)
    log.info("published the read copy %s", outcome["read_copy"])
    return outcome["read_copy"]


def stage_timeout(run_dir: Path, per_page: float) -> float:
    """Seconds the extraction or load process of a run may take: ``STAGE_BASE_SECONDS`` plus
    ``per_page`` for each page the crawls stored (their stats files)."""
    pages = 0
    for path in RunFolder(run_dir).crawl_stats_files():
        try:
            pages += int(json.loads(path.read_text()).get("articles_fetched") or 0)
        except (OSError, ValueError, AttributeError):
            continue  # a crawl killed mid-write: counted as none; the base covers small nights
    return STAGE_BASE_SECONDS + per_page * pages


# -- summarise, report --------------------------------------------------------------------------

def summarise(run: RunContext, crawls: Crawls, history_runs: int,
              log: Logger = LOG) -> tuple[list[dict], list]:
    """Per-outlet rows of this run (crawl stats + loaded counts) and the flow's recent runs."""
    stats = {outlet: read_stats(run.folder.crawl_stats_file(outlet))
             for outlet in crawls.outlets}
    with warehouse.connect(run.db) as con:
        summary = loader.run_summary(con, run.run_id)
        medians = monitoring.median_words(con, run.run_id)
        history = monitoring.recent_runs(con, run.flow, run.run_id, history_runs)
    damaged: dict[str, list[str]] = {}
    for damage in read_damage(run.run_dir):
        damaged.setdefault(damage.outlet, []).append(damage.line())
    return outlet_rows(summary, stats, medians, crawls.failed, crawls.outlets, damaged), history


def report(run: RunContext, rows: list[dict], failed: dict[str, str], warnings: list[str],
           log: Logger = LOG) -> str:
    """Close the run record (its rows become history).

    Returns:
        The run's status: ``failed``, ``warned`` or ``completed``.
    """
    status = "failed" if failed else "warned" if warnings else "completed"
    counts = {"outlets": rows, "failed": failed, "warnings": warnings,
              "retries": recovery.read_plans(run.run_dir),
              "damaged_files": damaged_lines(run)}
    with warehouse.connect(run.db) as con:
        loader.record_run_end(con, run.run_id, status, counts)
    return status


def report_markdown(run: RunContext, rows: list[dict], failed: dict[str, str],
                    warnings: list[str]) -> str:
    """The run's markdown summary (``pipeline.report.run_markdown``) with its damaged files."""
    return run_markdown(run.flow, run.run_id, rows, failed, warnings, damaged_lines(run))


def damaged_lines(run: RunContext) -> list[str]:
    """One line per run file a killed writer had cut (``khabar.run.salvage``)."""
    return [d.line() for d in read_damage(run.run_dir)]


def archive(run: RunContext, log: Logger = LOG) -> str:
    """Upload the run folder to ``$KHABAR_RUNS_ARCHIVE`` (``khabar.run.archive``: whole objects,
    the marker last), the night's last step when that is set. The folder stays where it is.

    Returns:
        The archived folder's URL ("" when no archive is configured).

    Raises:
        OSError: the store failed (archiving again finishes the upload).
        khabar.run.archive.ArchiveError: the store does not hold what was uploaded.
    """
    url = runs_archive()
    if not url:
        return ""
    done = archive_run(run.run_dir, url)
    log.info("run folder archived: %d files, %s, to %s", done.files, human(done.bytes), done.url)
    return done.url


def publish_trends(run: RunContext, rows: list[dict], history_runs: list[dict],
                   log: Logger = LOG) -> Trends:
    """Write the night's trends chart into the run folder (``pipeline.trends``).

    Returns:
        The series, the chart and its file (the flow makes artifacts of them).
    """
    trends = write_trends(run, rows, history_runs)
    log.info("trends of %d outlets over up to %d nights: %s", len(trends.data),
             max((len(v) for v in trends.data.values()), default=0), trends.path)
    return trends


# -- a night that cannot go on ------------------------------------------------------------------

def failure_line(run: RunContext, error: BaseException) -> str:
    """The one line a night that could not go on ends with: a full disk said as such, never
    hidden behind the error it caused next."""
    if is_no_space(error):
        return no_space_line(run.run_dir)
    if isinstance(error, NightFailed | ChildFailed):
        return " ".join(str(error).split())
    return f"{type(error).__name__}: " + " ".join(str(error).split())


def close_failed_run(run: RunContext, line: str, log: Logger = LOG) -> None:
    """Record the run as ``failed`` with the reason (``crawl_runs.counts.error``)."""
    counts = {"error": line, "damaged_files": damaged_lines(run),
              "retries": recovery.read_plans(run.run_dir)}
    with warehouse.connect(run.db) as con:
        try:
            loader.record_run_end(con, run.run_id, "failed", counts)
        except KeyError:
            log.warning("run %s was never recorded: nothing to close", run.run_id)
    log.error("%s run %s failed: %s", run.flow, run.run_id, line)


def fail_night(run: RunContext, error: BaseException, log: Logger = LOG) -> str:
    """Close a run that could not go on and return its line: never a run left ``running``."""
    line = failure_line(run, error)
    try:
        close_failed_run(run, line, log)
    except Exception as exc:  # noqa: BLE001 - the night's own error is what it ends with
        log.error("could not record the run as failed (%s): the next run will mark it "
                  "abandoned", exc)
    return line
