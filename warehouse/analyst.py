"""The connection ``python -m warehouse sql`` runs an analyst's SQL on: it reads the warehouse and
cannot write any file.

A read-only DuckDB connection protects only the file it opened: from ``warehouse sql``,
``ATTACH 'warehouse/news.duckdb' (READ_WRITE)`` then ``DELETE`` emptied the main file, and
``COPY … TO`` writes any path. Disabling external access is not enough either: with it off,
``SET log_query_path = '<a database file>'`` still appended to that file (DuckDB 1.5.5). So the
command opens the file read-only in a DuckDB instance of its own, loads fts
(``search_articles``), then turns external access off (no ATTACH, COPY, EXPORT, INSTALL or
``read_*`` of files; it cannot be turned on again while the database runs) and locks the
configuration (no ``SET``: the session stays in UTC; convert in the query, e.g.
``timezone('Africa/Casablanca', published_at)``). Attaching the same file again read-write fails
too ("already attached").

Its own instance: DuckDB shares one instance per file within a process, and these settings would
then reach every other connection to the file. The ``custom_user_agent`` below makes the
configuration differ, so the command never shares one (in a process already holding the file, it
is refused instead; ``python -m warehouse`` runs in a process of its own).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from warehouse.db import check_readable, duckdb_config, explain_open_error
from warehouse.health import check_blocks
from warehouse.queries import sql
from warehouse.search import load_fts

_OWN_INSTANCE = {"custom_user_agent": "khabar-analyst-session"}


def connect_analyst(path: str | os.PathLike[str]) -> duckdb.DuckDBPyConnection:
    """A connection that reads ``path`` and writes no file.

    Raises:
        WarehouseError: the file is missing, not a whole DuckDB database, or locked by a writer.
    """
    target = Path(path)
    block_size = check_readable(target)
    try:
        con = duckdb.connect(str(target), read_only=True,
                             config={**duckdb_config(), **_OWN_INSTANCE})
    except duckdb.Error as exc:
        raise explain_open_error(exc, target) from exc
    try:
        if block_size is not None:
            check_blocks(con, target, block_size)
        con.execute(sql("connect", "set_utc_timezone"))
        load_fts(con)
        con.execute(sql("analyst", "load_fts"))
        con.execute(sql("analyst", "lock_analyst_session"))
    except BaseException:
        con.close()
        raise
    return con
