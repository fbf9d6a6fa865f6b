"""The weekly maintenance flow: checkpoint the warehouse, export Parquet, drop old run files.

Run files (``data/runs/<run_id>/``: raw pages, fetch logs, extraction output) are only needed
until their run is loaded (the warehouse keeps every page body, compressed); after ``keep_days``
they are deleted.
"""

from __future__ import annotations

import importlib
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger, task
from pydantic import Field

import warehouse
from flows.paths import PROJECT_ROOT, default_db_path, default_runs_dir
from flows.tasks import warehouse_writes
from warehouse import monitoring


def _run_started(name: str) -> datetime | None:
    try:  # run ids start with their UTC start time: 20261123T023000-12345
        return datetime.strptime(name[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def expired_run_dirs(runs_dir: Path, keep_days: int, now: float | None = None) -> list[Path]:
    """Run directories older than ``keep_days`` (by their run id's time, else their mtime)."""
    now = time.time() if now is None else now
    cutoff = now - keep_days * 86400
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return []
    expired = []
    for path in sorted(p for p in runs_dir.iterdir() if p.is_dir()):
        started = _run_started(path.name)
        when = started.timestamp() if started else path.stat().st_mtime
        if when < cutoff:
            expired.append(path)
    return expired


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
def retention(runs_dir: Path, keep_days: int) -> list[str]:
    """Delete run directories older than ``keep_days``."""
    removed = []
    for path in expired_run_dirs(runs_dir, keep_days):
        shutil.rmtree(path)
        removed.append(path.name)
    get_run_logger().info("removed %d run directories older than %d days from %s",
                          len(removed), keep_days, runs_dir)
    return removed


@flow(name="maintenance", log_prints=True)
def maintenance(
    db_path: str | None = None,
    runs_dir: str | None = None,
    export_dir: str | None = None,
    keep_days: Annotated[int, Field(ge=1, le=3650)] = 30,
) -> dict:
    """Checkpoint, export Parquet (``data/export`` by default), remove old run directories."""
    db = Path(db_path) if db_path else default_db_path()
    checkpoint(db)
    files = export(db, Path(export_dir) if export_dir else PROJECT_ROOT / "data" / "export")
    removed = retention(Path(runs_dir) if runs_dir else default_runs_dir(), keep_days)
    return {"parquet_files": files, "removed_runs": removed}
