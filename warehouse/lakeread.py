"""Reading a DuckLake warehouse: analysts' SQL and search on a snapshot, no file copy.

On the DuckDB file, readers open a published read copy (``warehouse.publish``) so they never hold
the file the night writes. A DuckLake needs none: every committed load is a snapshot, a reader
attaches the lake read-only and sees the latest one (or a past one: time travel), and writers
never wait for it.

* ``connect_lake_analyst``: the session ``python -m warehouse sql`` runs an analyst's SQL on. It
  attaches the lake read-only, then turns DuckDB's external access off except for the lake's data
  folder (its Parquet files must stay readable) and locks the configuration, as the file's
  analyst session does (``warehouse.analyst``). DuckDB cannot make that folder read-only, so
  ``check_read_only_sql`` also admits only SELECT-like statements (a ``COPY … TO`` into the
  data folder is refused before it runs). The lasting protection is the deployment's:
  analysts get a PostgreSQL role with SELECT only and the data folder mounted read-only
  (docs/lake.md).
* ``search_lake``: DuckLake cannot hold the fts index, so the snapshot's ``articles`` are copied
  into the session's in-memory database and indexed there with the file's settings
  (``warehouse.search``): ~1 ms per article (measured on the file: 20-35 s at 20k articles), so
  fine for a night's lake of thousands of articles; a cached index per snapshot is the next step
  for a large lake (docs/lake.md, "not yet").
"""

from __future__ import annotations

from typing import Any

import duckdb

from warehouse.backend import LakeConfig
from warehouse.db import duckdb_config, fit_memory_limit
from warehouse.errors import WarehouseError
from warehouse.lake import attach_lake
from warehouse.queries import one, sql
from warehouse.search import build_search_index, search_articles

_OWN_INSTANCE = {"custom_user_agent": "khabar-analyst-session"}
# Statement types an analyst's query may have on the lake (duckdb.StatementType names).
_READING = {"SELECT", "EXPLAIN"}


def open_lake_reader(
    config: LakeConfig, snapshot: int | None = None, *, analyst: bool = False
) -> duckdb.DuckDBPyConnection:
    """The lake attached read-only (at ``snapshot`` if given), session in UTC, its memory limit
    fitted to the lake's articles (``warehouse.db.fit_memory_limit``)."""
    con = duckdb.connect(":memory:", config={**duckdb_config(), **(_OWN_INSTANCE if analyst
                                                                     else {})})
    try:
        attach_lake(con, config, read_only=True, snapshot=snapshot)
        con.execute(sql("connect", "set_utc_timezone"))
        fit_memory_limit(con)  # a search copies the snapshot's articles into this instance
    except BaseException:
        con.close()
        raise
    return con


def connect_lake_analyst(
    config: LakeConfig, snapshot: int | None = None
) -> duckdb.DuckDBPyConnection:
    """A session that reads the lake (at ``snapshot``) and can reach no other file."""
    con = open_lake_reader(config, snapshot, analyst=True)
    try:
        (data_path,) = one(con, "lake", "select_data_path")
        folder = str(data_path).rstrip("/") + "/"
        con.execute(sql("analyst", "allow_lake_data_directory"), {"folders": [folder]})
        con.execute(sql("analyst", "lock_analyst_session"))
    except BaseException:
        con.close()
        raise
    return con


def check_read_only_sql(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """Refuse anything but SELECT-like statements (before running any of them).

    Raises:
        WarehouseError: one statement is of another type (named).
    """
    for statement in con.extract_statements(query):
        kind = statement.type.name
        if kind not in _READING:
            raise WarehouseError(
                f"{kind} refused: `warehouse sql` on the lake runs queries only (SELECT, "
                "EXPLAIN); loads write the lake")


def search_lake(
    config: LakeConfig, query: str, limit: int = 20, snapshot: int | None = None
) -> list[dict[str, Any]]:
    """BM25 search over the lake's articles at ``snapshot`` (default: the latest)."""
    con = open_lake_reader(config, snapshot)
    try:
        con.execute(sql("lake", "copy_search_articles"))
        con.execute(sql("lake", "use_memory"))
        build_search_index(con)
        return search_articles(con, query, limit)
    except duckdb.Error as exc:
        raise WarehouseError(f"search on {config.describe()} failed: {exc}") from exc
    finally:
        con.close()
