"""Export articles to Parquet, partitioned by outlet and month, for users who outgrow one file.

Layout (Hive partitions, readable by DuckDB, Polars, Spark, pandas/pyarrow)::

    <out_dir>/outlet=<outlet id>/month=<YYYY-MM>/data_0.parquet

``month`` is the Africa/Casablanca month of ``published_at``, else ``first_seen``. Each file has
every ``articles`` column except the two partition keys, which readers rebuild from the path
(``read_parquet('<out_dir>/**/*.parquet', hive_partitioning = true)``).

The export is written to a temporary directory beside ``out_dir`` and swapped in by renames, so
a reader never sees a half-written export, and an export that fails leaves the old one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from warehouse.queries import sql


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write every article under ``out_dir`` (replacing a previous export there).

    Args:
        con: any connection to the warehouse (read-only is enough: open the read copy).
        out_dir: the export directory; created, or replaced as a whole.

    Returns:
        The Parquet files written, sorted.
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    old = out.with_name(f".{out.name}.{os.getpid()}.old")
    for leftover in (tmp, old):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        tmp.mkdir()
        con.execute(sql("export_articles"), {"path": str(tmp)})
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
    glob = str(Path(out_dir) / "**" / "*.parquet")
    return con.execute(sql("select_export_counts"), {"glob": glob}).fetchall()
