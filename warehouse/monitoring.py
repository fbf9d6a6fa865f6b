"""Read-side queries for the flows' monitoring: per-run text lengths, recent run history.

The history is what ``crawl_runs.counts`` kept of each finished run (the flow stores its
per-outlet report there), so a quality check needs no other table.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from warehouse.queries import sql


def median_words(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, float]:
    """Median word count of the articles a run extracted, per outlet (outlets with none absent)."""
    rows = con.execute(sql("runs", "select_run_median_words"), {"run_id": run_id}).fetchall()
    return {outlet: float(median) for outlet, median, _ in rows if median is not None}


def recent_runs(
    con: duckdb.DuckDBPyConnection, flow: str, run_id: str, limit: int
) -> list[dict[str, Any]]:
    """The ``limit`` latest finished runs of ``flow`` other than ``run_id``, newest first.

    Returns:
        Dicts ``run_id, status, started_at, counts`` (``counts`` decoded from JSON).
    """
    params = {"flow": flow, "run_id": run_id, "limit": limit}
    rows = con.execute(sql("runs", "select_recent_runs"), params).fetchall()
    return [
        {"run_id": r[0], "status": r[1], "started_at": r[2],
         "counts": json.loads(r[3]) if isinstance(r[3], str) else (r[3] or {})}
        for r in rows
    ]


def run_statuses(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> dict[str, str]:
    """``crawl_runs.status`` of each of ``run_ids`` the warehouse knows (others absent)."""
    rows = con.execute(sql("runs", "select_run_statuses"), {"run_ids": run_ids}).fetchall()
    return {run_id: status for run_id, status in rows}


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Fold the write-ahead log into the database file."""
    con.execute(sql("connect", "checkpoint"))
