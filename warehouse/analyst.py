"""The connection ``python -m warehouse sql`` runs an analyst's SQL on: it reads the warehouse and
cannot write any file.

A read-only DuckDB connection protects only the file it opened: from ``warehouse sql``,
``ATTACH 'warehouse/news.duckdb' (READ_WRITE)`` then ``DELETE`` emptied the main file, and
``COPY … TO`` writes any path. Disabling external access is not enough either: with it off,
``SET log_query_path = '<a database file>'`` still appended to that file (DuckDB 1.5.5). So the
command's SQL runs in a private in-memory DuckDB that attaches the warehouse file read-only,
loads fts (``search_articles``), then turns external access off (no ATTACH, COPY, EXPORT,
INSTALL or ``read_*`` of files; it cannot be turned on again while the database runs) and locks
the configuration (no ``SET``: the session stays in UTC; convert in the query, e.g.
``timezone('Africa/Casablanca', published_at)``). Tables created in the session live in memory
and go with it.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from warehouse.db import check_readable, duckdb_config, explain_open_error
from warehouse.health import check_blocks
from warehouse.queries import sql
from warehouse.search import load_fts


def connect_analyst(path: str | os.PathLike[str]) -> duckdb.DuckDBPyConnection:
    """A connection that reads ``path`` (as its default database) and writes no file.

    Raises:
        WarehouseError: the file is missing, not a whole DuckDB database, or locked by a writer.
    """
    target = Path(path)
    whole = check_readable(target)
    con = duckdb.connect(":memory:", config=duckdb_config())
    try:
        literal = "'" + str(target).replace("'", "''") + "'"
        try:
            con.execute(sql("attach_read_only").format(path=literal))
        except duckdb.Error as exc:
            raise explain_open_error(exc, target) from exc
        if whole is not None:
            check_blocks(con, target, whole)
        con.execute(sql("set_utc_timezone"))
        load_fts(con)
        con.execute(sql("load_fts"))
        con.execute(sql("lock_analyst_session"))
    except BaseException:
        con.close()
        raise
    return con
