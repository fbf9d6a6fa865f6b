"""The DuckLake backend: the same warehouse in a DuckLake whose catalog lives in PostgreSQL.

One code path: a lake connection is an in-memory DuckDB with the lake attached as catalog
``khabar`` and made the default (``USE khabar``), so every statement in ``warehouse/sql`` runs
on it unchanged, temp tables included (they stay in DuckDB's temp catalog). What DuckLake 1.0
does differently, and what the warehouse does about it (ducklake.select docs, checked against
``duckdb-extension-ducklake`` 1.5.5 here):

* **No PRIMARY KEY, UNIQUE or indexes; defaults must be literals.** Migrations are written for
  the file; ``lake_ddl`` drops their key and unique clauses (an inline ``PRIMARY KEY`` becomes
  ``NOT NULL``) and the one non-literal default (``schema_migrations.applied_at``: every insert
  passes it). Uniqueness then rests on how the loader writes, which never relied on the keys to
  dedupe: replace-by-run deletes a run's rows before inserting them, articles are merged on
  ``article_id`` (``MERGE``/``UPDATE``/``INSERT … WHERE NOT EXISTS``), and the upserts are
  ``MERGE INTO`` statements that work on both backends. With no unique key to catch a race, two
  writers must not merge the same article at once: see the next point.
* **Concurrent writers commit optimistically.** DuckLake retries a commit that lost the race when
  the changes do not conflict (two appends), and fails it when they do (two deletes in one data
  file). It does not see two inserts of the same new article as a conflict, and a transaction
  reads the snapshot it began on. A load reads the stored articles (merge, story graph) and writes
  what it concluded, so two loads at once could both insert one article or build stories from
  what the other is changing. So writes to the lake are serialised by a PostgreSQL advisory lock
  (``write_lock``: a transaction-scoped lock taken before the load's transaction begins, so it
  reads every load committed before it; released by the lock transaction's end, or by
  PostgreSQL when the process dies). What runs before it (checking the run folder, reading and
  salvaging its files, the lake attach and catalog reads) runs concurrently; docs/lake.md says
  what that buys (BENCHMARKS.md, "DuckLake writers").
* **No fts index in the lake** (``PRAGMA create_fts_index`` makes tables with keys and macros,
  which DuckLake cannot hold). ``search_snapshot`` copies ``articles`` of one lake snapshot into
  an in-memory DuckDB and builds the same index there (``warehouse.search``).
* **No file to copy**: readers attach the lake read-only, at the latest snapshot or at a past one
  (``SNAPSHOT_VERSION``); every load's commit carries its run id (``set_commit_message``), so
  ``run_snapshots`` maps runs to snapshots for time travel (docs/queries.md).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
from duckdb_extensions import import_extension

from warehouse.backend import LAKE_DATA_ENV, LakeConfig
from warehouse.errors import WarehouseError
from warehouse.queries import one, sql

CATALOG = "khabar"
# DuckLake's own attach of the catalog's PostgreSQL database: the advisory lock is taken there.
LOCK_DB = "__ducklake_metadata_khabar"
# Attempts of a writer's attach while another worker creates the same new lake (0.25 s apart).
_CREATE_RETRIES = 40
# pg_advisory_xact_lock's key for "writes to this lake" (ASCII "khab").
WRITE_LOCK_KEY = 0x6B686162
# How long a writer waits for another writer's load before giving up (PostgreSQL lock_timeout).
DEFAULT_WRITE_WAIT_S = 1800
# Connections (id) inside write_lock in this process: a nested write_lock on one is a no-op, as
# taking the lock again from another PostgreSQL session would wait for itself.
_HELD: set[int] = set()

_TABLE_KEY = re.compile(r",\s*(?:PRIMARY KEY|UNIQUE)\s*\([^)]*\)", re.IGNORECASE)
_INLINE_KEY = re.compile(r"\bPRIMARY KEY\b", re.IGNORECASE)
_NOW_DEFAULT = re.compile(r"\s+DEFAULT\s+current_timestamp\b", re.IGNORECASE)


def lake_ddl(text: str) -> str:
    """A migration's SQL as DuckLake takes it: no keys, no unique constraints, literal defaults."""
    text = _TABLE_KEY.sub("", text)
    text = _INLINE_KEY.sub("NOT NULL", text)
    return _NOW_DEFAULT.sub("", text)


def load_extensions(con: duckdb.DuckDBPyConnection) -> None:
    """ducklake and postgres from their PyPI wheels (offline, like fts: never ``INSTALL``)."""
    import_extension("ducklake", con=con)
    import_extension("postgres", con=con)


def attach_lake(
    con: duckdb.DuckDBPyConnection,
    config: LakeConfig,
    *,
    read_only: bool,
    snapshot: int | None = None,
) -> None:
    """Attach the lake as ``khabar`` and make it the default catalog.

    Raises:
        WarehouseError: PostgreSQL cannot be reached, the lake does not exist yet for a reader,
            it needs ``KHABAR_LAKE_DATA`` to be created, or the snapshot does not exist.
    """
    load_extensions(con)
    con.execute(sql("lake", "create_secret"), {"metadata_path": f"postgres:{config.catalog}",
                                            "data_path": config.data_path})
    try:
        if snapshot is not None:
            con.execute(sql("lake", "set_snapshot"), {"snapshot": int(snapshot)})
            con.execute(sql("lake", "attach_snapshot"))
        elif read_only:
            con.execute(sql("lake", "attach_reader"))
        else:
            _attach_writer(con)
    except duckdb.Error as exc:
        raise _explain_attach(exc, config, snapshot) from exc
    finally:
        con.execute(sql("lake", "drop_secret"))
    con.execute(sql("lake", "use_catalog"))


def _attach_writer(con: duckdb.DuckDBPyConnection) -> None:
    """Attach for writing, retrying while another worker is creating the same new lake.

    Two workers attaching a new lake at once both run DuckLake's ``CREATE TABLE`` of its catalog
    tables, and one failed ("duplicate key value violates unique constraint
    pg_type_typname_nsp_index": 3 races of 3 here). Its next attach finds the catalog made.
    """
    for attempt in range(_CREATE_RETRIES):
        try:
            con.execute(sql("lake", "attach_writer"))
            return
        except duckdb.Error as exc:
            racing = "Failed to initialize DuckLake" in str(exc)
            if not racing or attempt == _CREATE_RETRIES - 1:
                raise
            time.sleep(0.25)


def _explain_attach(exc: duckdb.Error, config: LakeConfig, snapshot: int | None) -> WarehouseError:
    message = " ".join(str(exc).split())
    where = config.describe()
    if "data path" in message.lower() or "DATA_PATH" in message:
        return WarehouseError(
            f"cannot open {where}: {message}. A new lake needs {LAKE_DATA_ENV} (a folder every "
            "worker mounts at the same path); an existing one needs the folder it was made with")
    if snapshot is not None and "snapshot" in message.lower():
        return WarehouseError(f"{where} has no snapshot {snapshot}: {message} (list them with "
                              "`python -m warehouse snapshots`)")
    if "connection" in message.lower() or "could not" in message.lower():
        return WarehouseError(f"cannot reach the PostgreSQL catalog of {where}: {message}")
    return WarehouseError(f"cannot open {where}: {message}")


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con`` is a lake connection (``khabar`` a DuckLake and the default catalog)."""
    found = con.execute(sql("lake", "select_attached"), {"catalog": CATALOG}).fetchone()
    return bool(found and found[0])


@contextmanager
def write_lock(
    con: duckdb.DuckDBPyConnection, wait_s: float = DEFAULT_WRITE_WAIT_S
) -> Iterator[None]:
    """Hold the lake's write lock (a PostgreSQL advisory lock) for the ``with`` body; no-op on the
    DuckDB file, whose own file lock already admits one writer.

    Take it *before* ``con.begin()``: the load's transaction then reads every load committed
    before it. It is transaction-scoped on a cursor of its own, so PostgreSQL releases it when
    that transaction ends, or when this process dies.

    Raises:
        WarehouseError: another writer held it for longer than ``wait_s`` seconds.
    """
    if id(con) in _HELD or not is_lake(con):  # re-entered (a load's own small writes): held
        yield
        return
    with _locked(con, wait_s):
        _HELD.add(id(con))
        try:
            yield
        finally:
            _HELD.discard(id(con))


@contextmanager
def _locked(con: duckdb.DuckDBPyConnection, wait_s: float) -> Iterator[None]:
    """The advisory lock, in a transaction of a cursor of its own (ended, so released, on exit)."""
    holder = con.cursor()
    try:
        holder.begin()
        _wait_for_lock(holder, wait_s)
        yield
    finally:
        try:
            holder.rollback()
        except duckdb.Error:
            pass
        holder.close()


def _wait_for_lock(holder: duckdb.DuckDBPyConnection, wait_s: float) -> None:
    """Take the lock in ``holder``'s transaction, polling with ``pg_try_advisory_xact_lock``.

    Polling, not the blocking ``pg_advisory_xact_lock``: blocked inside the postgres extension,
    a waiting writer burned ~0.3 of a core (1.8 s of CPU in 5.9 s of waiting, measured here),
    taken from the load it waits for on a 2-core machine. Backoff 20 ms doubling to 0.5 s.
    """
    params = {"catalog_db": LOCK_DB,
              "statement": f"SELECT pg_try_advisory_xact_lock({WRITE_LOCK_KEY}) AS got"}
    deadline = time.monotonic() + wait_s
    delay = 0.02
    while not one(holder, "lake", "try_lock", params)[0]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise WarehouseError(
                f"another writer has held the lake's write lock for {wait_s:g} s: its load is "
                "still running (or stuck: its PostgreSQL backend shows it in pg_locks)")
        time.sleep(min(delay, left))
        delay = min(delay * 2, 0.5)


def tag_commit(con: duckdb.DuckDBPyConnection, message: str, **extra: Any) -> None:
    """Name the lake snapshot the open transaction will commit (``ducklake_snapshots`` shows it):
    ``extra`` (e.g. ``run_id``) goes into ``commit_extra_info`` as JSON. No-op on the file."""
    if not is_lake(con):
        return
    con.execute(sql("lake", "set_commit_message"),
                {"catalog": CATALOG, "author": "khabar", "message": message,
                 "extra": json.dumps(extra, sort_keys=True, default=str)})


def run_snapshots(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Each load's snapshot, oldest first: ``run_id, snapshot_id, committed_at, message``.

    A run loaded twice has two rows: each reload is a new snapshot (the latest holds the run as
    now stored). Time travel reads ``FROM articles AT (VERSION => snapshot_id)``, or the whole
    lake with ``python -m warehouse sql --at-run RUN``.
    """
    cursor = con.execute(sql("lake", "select_run_snapshots"), {"catalog": CATALOG})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def snapshot_of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """The snapshot the latest load of ``run_id`` committed.

    Raises:
        WarehouseError: the run was never loaded into this lake, or its snapshot was expired
            by lake maintenance (``warehouse.lakemaint``).
    """
    found = [r["snapshot_id"] for r in run_snapshots(con) if r["run_id"] == run_id]
    if not found:
        raise WarehouseError(f"run {run_id!r} was never loaded into this lake, or its snapshot "
                             "was expired by `warehouse maintain` (see `python -m warehouse "
                             "snapshots`)")
    return found[-1]


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    """The lake's latest snapshot id."""
    return one(con, "lake", "select_current_snapshot", {"catalog": CATALOG})[0]
