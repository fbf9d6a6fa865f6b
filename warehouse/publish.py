"""The read copy: a snapshot of the warehouse that analysts open, published after each load.

DuckDB lets one process hold a database file read-write, and while it does, nobody else may open
it, not even read-only (the second open fails at once with "Conflicting lock is held"). So the
nightly load and an analyst's DuckDB CLI or notebook cannot share ``news.duckdb``. Instead:

* the loader is the only process that opens ``news.duckdb``; if it finds the file locked (a
  forgotten shell), it retries with backoff for ``KHABAR_LOCK_WAIT`` seconds (default 120), then
  fails with a message naming the holder's PID and command line;
* after every successful load, ``after_load`` brings the full-text index up to date (only the
  night's new, changed and deleted articles: ``warehouse.search.update_search_index``),
  checkpoints, and ``publish_read_copy`` copies the file to ``news.read.duckdb`` beside it: the
  copy goes to a temporary file in the same directory (``os.copy_file_range``: in the kernel, no
  trip through Python), is fsynced, checked by opening it, and renamed over the old copy in one
  atomic step.

The copy is the one cost that grows with the warehouse rather than with the night (about 1 s
per GB copied plus 1.5 s per GB for the fsync on the benchmark machine: ``python -m
bench.publish``). Reflinks would make it O(changed blocks) but ext4 has none; patching an older
copy in place would break the readers that still have it open.

Analysts open ``news.read.duckdb`` read-only. A reader that has it open during a publish keeps
reading the old snapshot (on Linux/macOS, rename replaces the name, not the open file); the next
open sees the new one. Readers never block the load and the load never blocks readers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from khabar.paths import default_db_path
from warehouse.db import (
    WarehouseError,
    connect,
    duckdb_config,
    migrations,
    schema_version,
)
from warehouse.health import check_ours
from warehouse.queries import sql
from warehouse.search import load_fts, update_search_index
from warehouse.targets import TargetError, remove_stale_temps, temp_path

READ_COPY_SUFFIX = ".read.duckdb"


def read_copy_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Where the read copy of ``path`` lives: ``news.duckdb`` -> ``news.read.duckdb``."""
    main = Path(path) if path is not None else default_db_path()
    return main.with_name(main.stem + READ_COPY_SUFFIX)


def publish_read_copy(
    path: str | os.PathLike[str] | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    timings: dict[str, float] | None = None,
) -> Path:
    """Copy the warehouse to its read copy, atomically.

    Args:
        path: the main database file (``None``: ``khabar.paths.default_db_path()``).
        con: an open read-write connection to ``path`` (the loader's, so the lock is never let
            go between load and copy); ``None`` opens one, waiting for the lock like any writer.
        timings: if given, filled with the seconds of each step (``checkpoint``, ``copy``,
            ``fsync``, ``open_check``, ``rename``) and ``bytes`` copied.

    Returns:
        The read copy's path.

    Raises:
        WarehouseError: the main file cannot be opened (locked past the wait), or the copy does
            not open as a database (the previous copy is then left in place).
        warehouse.targets.TargetError: what is at the read copy's path is not a read copy
            (checked before anything is written).
    """
    main = Path(path) if path is not None else default_db_path()
    target = read_copy_path(main)
    own = con is None
    if con is None:
        con = connect(main)
    tmp = temp_path(target)
    steps = timings if timings is not None else {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = steps.get(name, 0.0) + now - clock
        clock = now

    try:
        check_read_copy_target(target)
        # Holding the main file's write lock, no other publisher of this copy is running: the
        # temporary copies left by killed ones are removed (remove_stale_temps also checks that
        # their process is gone).
        remove_stale_temps(target)
        # Holding the write lock, with the WAL folded in, the file alone is a consistent database.
        con.execute(sql("connect", "checkpoint"))
        version = schema_version(con)
        step("checkpoint")
        steps["bytes"] = float(_copy_file(main, tmp))
        step("copy")
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        step("fsync")
        _check_copy(tmp, version)
        step("open_check")
        # A .wal beside the copy can only come from someone who opened the old copy read-write;
        # it must never be replayed into the new one.
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
        step("rename")
    finally:
        tmp.unlink(missing_ok=True)
        if own:
            con.close()
    return target


def check_read_copy_target(target: Path) -> None:
    """Refuse to replace, at the read copy's path, anything but a copy of a khabar warehouse.

    Raises:
        TargetError: a directory, a symbolic link, a file that is not a DuckDB database, or one
            of another program (``warehouse.targets``: the rule for destructive commands).
    """
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise TargetError(f"{target} is not a file: it cannot be the read copy; move it away "
                          "(nothing was written)")
    if not target.exists():
        return
    with target.open("rb") as handle:
        magic = handle.read(12)[8:12]
    refused = (f"{target} is not a read copy of this warehouse, and publishing would replace "
               "it: move it away, or give the warehouse another name (--db); nothing was "
               "written")
    if magic != b"DUCK":
        raise TargetError(f"{refused} (it is not a DuckDB database)")
    try:
        check = duckdb.connect(str(target), read_only=True, config=duckdb_config())
    except duckdb.Error as exc:
        if "Conflicting lock" in str(exc):
            return  # open read-write by someone (a DuckDB file in use as the read copy)
        raise TargetError(f"{refused} (it does not open: {str(exc).splitlines()[0]})") from None
    try:
        check_ours(check, target, {m.version: m.name for m in migrations()})
    except WarehouseError:
        raise TargetError(f"{refused} (it holds another program's tables)") from None
    finally:
        check.close()


def _copy_file(source: Path, dest: Path) -> int:
    """Copy ``source`` to a new file ``dest`` in the kernel (``copy_file_range``; a plain
    read/write loop where it is missing); returns the bytes copied."""
    with source.open("rb") as src, dest.open("wb") as dst:
        size = os.fstat(src.fileno()).st_size
        done = 0
        copy_range = getattr(os, "copy_file_range", None)
        while done < size and copy_range is not None:
            try:
                n = copy_range(src.fileno(), dst.fileno(), min(size - done, 1 << 30))
            except OSError:  # e.g. EXDEV/ENOSYS on old kernels: fall back below
                break
            if n == 0:
                break
            done += n
        src.seek(done)
        dst.seek(done)
        while chunk := src.read(1 << 24):
            dst.write(chunk)
            done += len(chunk)
    return done


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


def after_load(
    db_path: str | os.PathLike[str] | None = None,
    *,
    timings: dict[str, float] | None = None,
) -> Path:
    """What the flow runs after a successful load: update the fts index (incrementally when it
    can), publish the read copy.

    Args:
        db_path: the main database file (``None``: ``khabar.paths.default_db_path()``).
        timings: if given, filled with the seconds of each step: ``fts`` (and ``fts_mode``:
            1.0 incremental, 0.0 rebuild; ``fts_added``, ``fts_removed``) then
            ``publish_read_copy``'s.

    Returns:
        The read copy's path.
    """
    main = Path(db_path) if db_path is not None else default_db_path()
    steps = timings if timings is not None else {}
    # Refuse a foreign file at the copy's path before the index update writes the main file.
    check_read_copy_target(read_copy_path(main))
    con = connect(main)
    try:
        update = update_search_index(con)
        steps.update(fts=update.seconds, fts_mode=float(update.mode == "incremental"),
                     fts_added=float(update.added), fts_removed=float(update.removed))
        return publish_read_copy(main, con=con, timings=steps)
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
