"""Queries the demo shows a new user: the latest run and one example of everyday SQL."""

from __future__ import annotations

from typing import Any

import duckdb

from warehouse.queries import sql


def latest_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The newest finished run (``run_id, status, started_at, finished_at``), if any."""
    cursor = con.execute(sql("demo", "select_latest_run"))
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None


def run_example(con: duckdb.DuckDBPyConnection) -> tuple[str, list[str], list[tuple]]:
    """The example query's text (comment stripped), column names and rows."""
    query = sql("demo", "example_articles_per_outlet")
    text = "\n".join(ln for ln in query.splitlines() if not ln.startswith("--"))
    cursor = con.execute(text)
    return text.strip(), [d[0] for d in cursor.description], cursor.fetchall()
