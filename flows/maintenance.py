"""The weekly maintenance flow: checkpoint the warehouse, export Parquet, drop old run files.

Run folders are deleted after ``keep_days``, and only those provably ours: the rules are in
``pipeline/retention.py``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger, task
from pydantic import Field

import warehouse
from flows.tasks import warehouse_writes
from khabar.paths import DEFAULT_EXPORT_DIR, default_db_path, default_runs_dir
from pipeline.retention import remove_expired
from warehouse import monitoring


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
    """Delete the run folders older than ``keep_days`` that are provably ours
    (``pipeline.retention``); log what was deleted and what was left alone, and why."""
    return remove_expired(runs_dir, keep_days, db, log=get_run_logger())


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
    files = export(db, Path(export_dir) if export_dir else DEFAULT_EXPORT_DIR)
    kept = retention(Path(runs_dir) if runs_dir else default_runs_dir(), keep_days, db)
    return {"parquet_files": files, "removed_runs": kept["removed"],
            "skipped": kept["skipped"]}
