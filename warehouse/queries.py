"""Named SQL statements: ``sql("stage_articles")`` is ``warehouse/sql/stage_articles.sql``.

Every statement the project runs lives in that folder, one per file, so a reader finds all the SQL
in one place and a diff of a query is a diff of one file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).with_name("sql")


@cache
def sql(name: str) -> str:
    """Text of the statement ``name``.

    Raises:
        FileNotFoundError: no ``warehouse/sql/<name>.sql``.
    """
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def one(con: duckdb.DuckDBPyConnection, name: str, params: object = None) -> tuple[Any, ...]:
    """The one row the statement ``name`` returns (an aggregate, a catalogue lookup).

    Raises:
        LookupError: it returned no row (DuckDB's ``fetchone`` gives None: indexing that used
            to fail with a bare ``TypeError``).
    """
    row = con.execute(sql(name), params).fetchone()
    if row is None:
        raise LookupError(f"{name}.sql returned no row")
    return row
