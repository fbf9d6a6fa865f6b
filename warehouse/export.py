"""Export articles to Parquet, partitioned by outlet and month, for users who outgrow one file.

Layout (Hive partitions, readable by DuckDB, Polars, Spark, pandas/pyarrow)::

    <out_dir>/outlet=<outlet id>/month=<YYYY-MM>/data_0.parquet
    <out_dir>/.khabar-export.json     the manifest: when, from which database, which files

``month`` is the Africa/Casablanca month of ``published_at``, else ``first_seen``. Each file has
every ``articles`` column except the two partition keys, which readers rebuild from the path
(``read_parquet('<out_dir>/**/*.parquet', hive_partitioning = true)``; the manifest is not a
Parquet file, and readers of Hive datasets skip names starting with a dot).

An export replaces only an export (``warehouse.targets``: a directory holding anything else is
refused before anything is written). It is written to a temporary directory beside ``out_dir``
and swapped in by renames, so a reader never sees a half-written export, and an export that
fails leaves the old one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from warehouse.queries import one, sql
from warehouse.targets import (
    check_export_target,
    remove_stale_temps,
    temp_path,
    write_manifest,
)


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write every article under ``out_dir`` (replacing a previous export there).

    Args:
        con: any connection to the warehouse (read-only is enough: open the read copy).
        out_dir: the export directory: created, or an earlier export replaced as a whole.

    Returns:
        The Parquet files written, sorted.

    Raises:
        warehouse.targets.TargetError: ``out_dir`` holds something an export did not write
            (checked before writing anything).
    """
    out = Path(out_dir)
    check_export_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(out)
    tmp, old = temp_path(out), temp_path(out, "old")
    try:
        tmp.mkdir()
        con.execute(sql("export", "copy_articles"), {"path": str(tmp)})
        articles = sum(row[2] for row in export_counts(con, tmp))
        (database,) = one(con, "info", "select_database_file")
        write_manifest(tmp, str(database), articles)
        if out.exists():
            out.rename(old)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return sorted(out.rglob("*.parquet"))


def export_counts(
    con: duckdb.DuckDBPyConnection, out_dir: str | os.PathLike[str]
) -> list[tuple[str, str, int]]:
    """(outlet, month, articles) per partition of an export, read back from its files."""
    if not any(Path(out_dir).rglob("*.parquet")):
        return []  # no article at all: read_parquet would fail on an empty glob
    glob = str(Path(out_dir) / "**" / "*.parquet")
    return con.execute(sql("export", "select_partition_counts"), {"glob": glob}).fetchall()
