"""The read copy: a snapshot of the warehouse that analysts open, published after each load.

DuckDB lets one process hold a database file read-write, and while it does, nobody else may open
it, not even read-only (the second open fails at once with "Conflicting lock is held"). So the
nightly load and an analyst's DuckDB CLI or notebook cannot share ``news.duckdb``. Instead:

* the loader is the only process that opens ``news.duckdb``; if it finds the file locked (a
  forgotten shell), it retries with backoff for ``KHABAR_LOCK_WAIT`` seconds (default 120), then
  fails with a message naming the holder's PID and command line;
* after every successful load, ``after_load`` rebuilds the full-text index, checkpoints, and
  ``publish_read_copy`` copies the file to ``news.read.duckdb`` beside it: the copy goes to a
  temporary file in the same directory, is checked by opening it, and is renamed over the old
  copy in one atomic step.

Analysts open ``news.read.duckdb`` read-only. A reader that has it open during a publish keeps
reading the old snapshot (on Linux/macOS, rename replaces the name, not the open file); the next
open sees the new one. Readers never block the load and the load never blocks readers.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, connect, default_path, schema_version
from warehouse.queries import sql
from warehouse.search import build_search_index, load_fts

READ_COPY_SUFFIX = ".read.duckdb"


def read_copy_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Where the read copy of ``path`` lives: ``news.duckdb`` -> ``news.read.duckdb``."""
    main = Path(path) if path is not None else default_path()
    return main.with_name(main.stem + READ_COPY_SUFFIX)


def publish_read_copy(
    path: str | os.PathLike[str] | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Path:
    """Copy the warehouse to its read copy, atomically.

    Args:
        path: the main database file (``None``: ``default_path()``).
        con: an open read-write connection to ``path`` (the loader's, so the lock is never let
            go between load and copy); ``None`` opens one, waiting for the lock like any writer.

    Returns:
        The read copy's path.

    Raises:
        WarehouseError: the main file cannot be opened (locked past the wait), or the copy does
            not open as a database (the previous copy is then left in place).
    """
    main = Path(path) if path is not None else default_path()
    target = read_copy_path(main)
    own = con is None
    if con is None:
        con = connect(main)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        # Holding the write lock, with the WAL folded in, the file alone is a consistent database.
        con.execute(sql("checkpoint"))
        version = schema_version(con)
        shutil.copyfile(main, tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        _check_copy(tmp, version)
        # A .wal beside the copy can only come from someone who opened the old copy read-write;
        # it must never be replayed into the new one.
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
        if own:
            con.close()
    return target


def _check_copy(copy: Path, version: int) -> None:
    try:
        check = duckdb.connect(str(copy), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(f"the new read copy {copy} does not open: {exc}") from exc
    try:
        found = schema_version(check)
    finally:
        check.close()
    if found != version:
        raise WarehouseError(f"the new read copy has schema {found}, the warehouse {version}")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def after_load(db_path: str | os.PathLike[str] | None = None) -> Path:
    """What the flow runs after a successful load: rebuild the fts index, publish the read copy.

    Returns:
        The read copy's path.
    """
    main = Path(db_path) if db_path is not None else default_path()
    con = connect(main)
    try:
        build_search_index(con)
        return publish_read_copy(main, con=con)
    finally:
        con.close()


def connect_read_copy(
    path: str | os.PathLike[str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the read copy of ``path`` read-only, with fts loaded (what analysts' Python does).

    Raises:
        WarehouseError: no read copy yet (no load has finished since publishing was added:
            run ``python -m warehouse publish``).
    """
    copy = read_copy_path(path)
    if not copy.exists():
        raise WarehouseError(
            f"{copy} does not exist yet: it is published after each load, or by "
            "`python -m warehouse publish`"
        )
    con = connect(copy, read_only=True)
    load_fts(con)
    return con
