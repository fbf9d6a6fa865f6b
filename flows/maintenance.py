"""The weekly maintenance flow: checkpoint the warehouse, export Parquet, drop old run files.

Run files (``data/runs/<run_id>/``: raw pages, fetch logs, extraction output) are only needed
until their run is loaded (the warehouse keeps every page body, compressed); after ``keep_days``
they are deleted. Only folders that are provably run folders: a real directory (a symbolic link
is never followed nor deleted), named like a run id, holding the marker its run wrote
(``flows.paths.RUN_MARKER``) with that same id, and known to the warehouse as a run that ended.
Anything else in the runs folder is left alone and named in the log, with the reason.
"""

from __future__ import annotations

import importlib
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger, task
from pydantic import Field

import warehouse
from flows.paths import (
    PROJECT_ROOT,
    RUN_ID,
    RUN_MARKER,
    default_db_path,
    default_runs_dir,
    run_marker,
)
from flows.tasks import warehouse_writes
from warehouse import monitoring


def _run_started(name: str) -> datetime | None:
    try:  # run ids start with their UTC start time: 20261123T023000-12345
        return datetime.strptime(name[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass
class Retention:
    """What retention found in a runs folder: folders to delete, entries left alone and why."""

    expired: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # entry name -> why it is kept
    recent: int = 0  # run folders younger than keep_days


def retention_plan(runs_dir: Path, keep_days: int, statuses: dict[str, str] | None,
                   now: float | None = None) -> Retention:
    """Sort the entries of ``runs_dir``: run folders older than ``keep_days`` (by the start time
    in their run id) that are provably ours, and everything else with the reason it is kept.

    Args:
        statuses: ``crawl_runs.status`` by run id (``warehouse.monitoring.run_statuses``); None
            when the warehouse could not be read (nothing is deleted then).
    """
    now = time.time() if now is None else now
    cutoff = now - keep_days * 86400
    plan = Retention()
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return plan
    for path in sorted(runs_dir.iterdir()):
        name = path.name
        if path.is_symlink():
            plan.skipped[name] = "a symbolic link (never followed nor deleted)"
        elif not path.is_dir():
            plan.skipped[name] = "not a directory"
        elif not RUN_ID.match(name) or (started := _run_started(name)) is None:
            plan.skipped[name] = "not named like a run id (YYYYMMDDTHHMMSS-NNNNN)"
        elif started.timestamp() >= cutoff:
            plan.recent += 1
        elif run_marker(path) != name:
            plan.skipped[name] = (f"no {RUN_MARKER} marker naming this run (not made by a run, "
                                  "or by a version before markers): delete it by hand if it "
                                  "is one")
        elif statuses is None:
            plan.skipped[name] = "the warehouse could not be read to confirm the run"
        elif name not in statuses:
            plan.skipped[name] = "a run the warehouse does not know"
        elif statuses[name] == "running":
            plan.skipped[name] = "its run is still marked running"
        else:
            plan.expired.append(path)
    return plan


@task(name="checkpoint", retries=2, retry_delay_seconds=[10, 60])
def checkpoint(db: Path) -> None:
    """Fold the WAL into the file, then refresh the search index and the read copy."""
    with warehouse_writes():
        with warehouse.connect(db) as con:
            monitoring.checkpoint(con)
        after_load = getattr(warehouse, "after_load", None)
        if after_load is not None:
            after_load(db)
    get_run_logger().info("checkpointed %s", db)


@task(name="export-parquet")
def export(db: Path, out_dir: Path) -> int:
    """Export every article to Parquet (from the read copy when there is one)."""
    logger = get_run_logger()
    try:
        export_module = importlib.import_module("warehouse.export")
    except ImportError:
        logger.warning("warehouse.export is not available: no Parquet export")
        return 0
    connect_read_copy = getattr(warehouse, "connect_read_copy", None)
    con = connect_read_copy(db) if connect_read_copy else warehouse.connect(db, read_only=True)
    with con:
        files = export_module.export_parquet(con, out_dir)
    logger.info("exported %d Parquet files under %s", len(files), out_dir)
    return len(files)


@task(name="retention")
def retention(runs_dir: Path, keep_days: int, db: Path) -> dict[str, object]:
    """Delete the run folders older than ``keep_days`` that are provably ours (see the module);
    log what was deleted and what was left alone, and why."""
    logger = get_run_logger()
    statuses: dict[str, str] | None = None
    names = [p.name for p in runs_dir.iterdir()] if runs_dir.is_dir() else []
    try:
        with warehouse.connect(db, read_only=True) as con:
            statuses = monitoring.run_statuses(con, names)
    except warehouse.WarehouseError as exc:
        logger.warning("cannot read the warehouse to confirm runs, deleting nothing: %s", exc)
    plan = retention_plan(runs_dir, keep_days, statuses)
    removed = []
    for path in plan.expired:
        try:
            shutil.rmtree(path)  # never follows a link inside; refuses a link itself
        except OSError as exc:
            plan.skipped[path.name] = f"could not be deleted: {exc}"
            continue
        removed.append(path.name)
    logger.info("removed %d run folders older than %d days from %s: %s", len(removed),
                keep_days, runs_dir, ", ".join(removed) or "none")
    for name, why in plan.skipped.items():
        logger.warning("left %s alone: %s", runs_dir / name, why)
    return {"removed": removed, "skipped": plan.skipped, "recent": plan.recent}


@flow(name="maintenance", log_prints=True)
def maintenance(
    db_path: str | None = None,
    runs_dir: str | None = None,
    export_dir: str | None = None,
    keep_days: Annotated[int, Field(ge=1, le=3650)] = 30,
) -> dict:
    """Checkpoint, export Parquet (``data/export`` by default), remove old run folders."""
    db = Path(db_path) if db_path else default_db_path()
    checkpoint(db)
    files = export(db, Path(export_dir) if export_dir else PROJECT_ROOT / "data" / "export")
    kept = retention(Path(runs_dir) if runs_dir else default_runs_dir(), keep_days, db)
    return {"parquet_files": files, "removed_runs": kept["removed"],
            "skipped": kept["skipped"]}
