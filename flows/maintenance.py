"""The weekly maintenance flow: checkpoint the warehouse, export Parquet, drop old run files.

On the DuckDB file: checkpoint, then refresh the search index and the read copy. On the DuckLake
``KHABAR_WAREHOUSE`` names (no ``db_path``): DuckLake's own maintenance instead (merge small
files, expire snapshots past ``keep_nights``/``keep_snapshot_days``, delete files no snapshot
needs after ``grace_hours``: ``warehouse.lakemaint``), and the export reads the lake's latest
snapshot. Run folders are deleted after ``keep_days``, and only those provably ours: the rules
are in ``pipeline/retention.py``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger, task
from pydantic import Field

import warehouse
from flows.tasks import warehouse_writes
from khabar.paths import DEFAULT_EXPORT_DIR, default_runs_dir
from pipeline.context import warehouse_target
from pipeline.retention import remove_expired
from warehouse import monitoring
from warehouse.lakemaint import (
    DEFAULT_GRACE_HOURS,
    DEFAULT_KEEP_DAYS,
    DEFAULT_KEEP_NIGHTS,
    LakeRetention,
    maintain_lake,
)


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


@task(name="maintain-lake", retries=2, retry_delay_seconds=[10, 60])
def maintain(retention: LakeRetention) -> dict[str, object]:
    """DuckLake's flush, merge, expiry and cleanup under the lake's write lock (a load waits for
    it, as for another load); the files and bytes of the data folder before and after."""
    with warehouse.connect() as con:
        done = maintain_lake(con, retention)
    get_run_logger().info(
        "lake maintenance: data files %d -> %d, bytes %d -> %d, %d snapshots expired; time "
        "travel by run id reaches back to %s", done.before.files, done.after.files,
        done.before.bytes, done.after.bytes, len(done.expired), done.oldest_kept_run)
    return {"files_before": done.before.files, "files_after": done.after.files,
            "bytes_before": done.before.bytes, "bytes_after": done.after.bytes,
            "expired_snapshots": len(done.expired), "oldest_kept_run": done.oldest_kept_run}


@task(name="export-parquet")
def export(db: Path | None, out_dir: Path) -> int:
    """Export every article to Parquet (from the read copy when there is one)."""
    logger = get_run_logger()
    try:
        export_module = importlib.import_module("warehouse.export")
    except ImportError:
        logger.warning("warehouse.export is not available: no Parquet export")
        return 0
    if db is None:  # the lake: its latest snapshot, read-only (no read copy to open)
        con = warehouse.connect(read_only=True)
    else:
        connect_read_copy = getattr(warehouse, "connect_read_copy", None)
        con = (connect_read_copy(db) if connect_read_copy
               else warehouse.connect(db, read_only=True))
    with con:
        files = export_module.export_parquet(con, out_dir)
    logger.info("exported %d Parquet files under %s", len(files), out_dir)
    return len(files)


@task(name="retention")
def retention(runs_dir: Path, keep_days: int, db: Path | None) -> dict[str, object]:
    """Delete the run folders older than ``keep_days`` that are provably ours
    (``pipeline.retention``); log what was deleted and what was left alone, and why."""
    return remove_expired(runs_dir, keep_days, db, log=get_run_logger())


@flow(name="maintenance", log_prints=True)
def maintenance(
    db_path: str | None = None,
    runs_dir: str | None = None,
    export_dir: str | None = None,
    keep_days: Annotated[int, Field(ge=1, le=3650)] = 30,
    keep_nights: Annotated[int, Field(ge=1, le=100_000)] = DEFAULT_KEEP_NIGHTS,
    keep_snapshot_days: Annotated[float, Field(ge=0, le=3650)] = DEFAULT_KEEP_DAYS,
    grace_hours: Annotated[float, Field(ge=0, le=24 * 365)] = DEFAULT_GRACE_HOURS,
) -> dict:
    """Checkpoint the file or maintain the lake, export Parquet (``data/export`` by default),
    remove old run folders.

    Args:
        keep_days: run folders older than this are deleted (when provably ours).
        keep_nights, keep_snapshot_days, grace_hours: the lake's snapshot retention
            (``warehouse.lakemaint.LakeRetention``); unused on the DuckDB file.
    """
    db = warehouse_target(db_path)  # None: the DuckLake KHABAR_WAREHOUSE names
    lake = None
    if db is None:
        lake = maintain(LakeRetention(keep_nights, keep_snapshot_days, grace_hours))
    else:
        checkpoint(db)
    files = export(db, Path(export_dir) if export_dir else DEFAULT_EXPORT_DIR)
    kept = retention(Path(runs_dir) if runs_dir else default_runs_dir(), keep_days, db)
    return {"parquet_files": files, "removed_runs": kept["removed"],
            "skipped": kept["skipped"], "lake": lake}
