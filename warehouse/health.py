"""Checks made before the warehouse writes anything, so that a bad file is refused untouched.

* **Complete.** DuckDB opened a file cut in half (a copy or a disk that stopped half way) and
  wrote to it: 4.5 MB of a 9 MB warehouse grew back to 9.2 MB around the missing blocks. A
  DuckDB file is three 4 KiB headers, then ``block_count`` blocks of ``block_alloc_size`` bytes
  (the active database header is the one with the higher ``iteration``). A file that long is
  whole (12 KiB read, before DuckDB sees the file). DuckDB also shortens the file when its last
  blocks are free, without rewriting the count, so a shorter file is then checked on the new
  connection, before anything is written: the blocks missing at the end must be free ones, no
  table's data nor the metadata may lie in them, and reading where they are must not fail.
  Only storage versions whose header layout was checked are read (``_STORAGE_VERSIONS``;
  ``tests/warehouse/test_health.py`` fails when a new DuckDB writes another one).
* **Ours.** A read-write open of a file that already holds tables checks that they are this
  project's (a ``schema_migrations`` table whose rows are our migration files) before migrating,
  so another tool's database never gets our tables added to it.
* **Space.** :func:`check_space` before a load: see ``GROWTH`` and ``MARGIN`` for what is asked
  and why.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterable
from pathlib import Path

import duckdb

from khabar.disk import free_bytes
from khabar.run.layout import RunFolder
from warehouse.errors import WarehouseError
from warehouse.queries import one, sql

_HEADER = 4096
# DuckDB's storage version numbers (bytes 12..20 of the file) whose database header is, after an
# 8-byte checksum: iteration, meta_block, free_list, block_count, block_alloc_size (uint64 each).
# 64 is what DuckDB 1.2 to 1.5.5 write.
_STORAGE_VERSIONS = frozenset({64})
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+$")
# Free space a load asks for beyond a copy of the warehouse file (the read copy is a full copy,
# and the old one stays until the new one is renamed over it). `python -m bench.space` (a tmpfs,
# sampled every 2 ms): routine nights of 1,000 to 5,000 articles on warehouses of 5,000 to
# 20,000 grew the file by 3.0-3.6 times their run folder's files, and that growth is in the copy
# too: twice 4x. The first night after a first load grew it by up to 9x (the estimate, with the
# margin, still covered its peak: 170.7 MB asked, 169.0 MB taken); a night that rewrites more
# can run out: it fails with "no space left", and nothing stored is damaged
# (tests/scenarios/test_warehouse_disk.py).
GROWTH = 8
# DuckDB allocates 256 KiB blocks per table and column segment: a new warehouse with a few
# articles already takes ~9 MB, and its read copy as much again.
MARGIN = 64 * 2**20


def check_complete(path: Path) -> int | None:
    """Refuse a DuckDB file that its header shows is truncated.

    Returns:
        ``None`` when the file holds every block its header counts; else the block size, for
        :func:`check_blocks` to check the file once open: DuckDB shortens the file when its
        last blocks are free without rewriting the count, so a shorter file is whole when the
        blocks it lacks are free ones.

    Raises:
        WarehouseError: the file is too short to hold its own headers.
    """
    with path.open("rb") as handle:
        head = handle.read(3 * _HEADER)
        size = os.fstat(handle.fileno()).st_size
    if len(head) < 3 * _HEADER:
        raise WarehouseError(_truncated(path, f"{size} bytes, less than its headers"))
    if struct.unpack_from("<Q", head, 12)[0] not in _STORAGE_VERSIONS:
        return None
    headers = [struct.unpack_from("<5Q", head, offset + 8) for offset in (_HEADER, 2 * _HEADER)]
    _, _, _, blocks, block_size = max(headers)
    if block_size < _HEADER or block_size & (block_size - 1):
        return None  # not a header this code understands: DuckDB decides
    return None if (size - 3 * _HEADER) // block_size >= blocks else block_size


def check_blocks(con: duckdb.DuckDBPyConnection, path: Path, block_size: int) -> None:
    """Refuse a file that lacks blocks in use, on a connection that has written nothing yet.

    Args:
        con: a connection whose current database is the file.
        path: the file (for the message).
        block_size: its block size (from :func:`check_complete`). The blocks it holds are
            counted now: a read-write open that replayed a WAL may have grown it since.

    Raises:
        WarehouseError: the blocks missing from the end of the file are more than the free
            ones, a table's data or the metadata lies in a missing block, or reading them
            fails for lack of bytes.
    """
    whole = (path.stat().st_size - 3 * _HEADER) // block_size
    (database,) = one(con, "health", "select_current_database")
    where = {"database": database}
    try:
        total, free = one(con, "health", "select_block_counts", where)
        if total - whole > free:
            raise WarehouseError(_truncated(path, f"{total - whole} blocks missing at its end, "
                                            f"only {free} of its blocks are free"))
        (highest,) = one(con, "health", "select_metadata_block_max", where)
        highest = highest if highest is not None else -1
        for schema, table in con.execute(sql("health", "select_database_tables"), where).fetchall():
            name = ".".join('"' + part.replace('"', '""') + '"' for part in (schema, table))
            (block,) = one(con, "health", "select_storage_block_max", {"table": name})
            highest = max(highest, block if block is not None else -1)
    except duckdb.Error as exc:
        if "Could not read enough bytes" in str(exc):
            raise WarehouseError(_truncated(path, "a block it uses is past its end")) from None
        raise
    if highest >= whole:
        raise WarehouseError(_truncated(path, f"block {highest} is in use, the file holds "
                                        f"{whole}"))


def _truncated(path: Path, detail: str) -> str:
    return (
        f"{path} is truncated ({detail}: a copy or a disk that stopped half way). It was left "
        "untouched: restore it from a backup, or from the read copy beside it (*.read.duckdb, "
        "a full copy made after the last load)"
    )


def truncated_message(path: Path) -> str:
    """The error for a file DuckDB could not even open for lack of bytes."""
    return _truncated(path, "DuckDB could not read a block past its end")


def check_ours(con: duckdb.DuckDBPyConnection, path: Path, known: dict[int, str]) -> None:
    """Refuse to write to a database that holds another program's tables.

    Args:
        con: a connection to the file, before any migration.
        path: the file (for the message).
        known: version -> name of this code's migrations.

    Raises:
        WarehouseError: the file holds tables or views and no ``schema_migrations`` of ours.
    """
    objects = sorted(row[0] for row in con.execute(sql("health", "select_user_objects")).fetchall())
    if "schema_migrations" not in objects:
        if objects:
            raise WarehouseError(_foreign(path, objects, "no schema_migrations table"))
        return
    try:
        applied = con.execute(sql("health", "select_applied_migration_names")).fetchall()
    except duckdb.Error:
        raise WarehouseError(_foreign(path, objects, "a schema_migrations table of another "
                                      "program")) from None
    for version, name in applied:
        match = _MIGRATION_NAME.match(str(name))
        if match is None or int(match[1]) != version or known.get(version, name) != name:
            ours = f", ours is {known[version]!r}" if version in known else ""
            raise WarehouseError(_foreign(path, objects, f"its migration {version} is "
                                          f"{name!r}{ours}"))


def _foreign(path: Path, objects: Iterable[str], why: str) -> str:
    names = list(objects)
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (
        f"{path} is a DuckDB database of another program ({why}; it holds {shown}). Nothing "
        "was written to it: point --db or KHABAR_DB at the warehouse file, or at a new path"
    )


def run_input_bytes(run_dir: Path) -> int:
    """Size of the files a load reads from a run folder."""
    folder = RunFolder(run_dir)
    files = [folder.articles, folder.pages, *folder.raw_files(), *folder.fetch_files()]
    return sum(f.stat().st_size for f in files if f.is_file())


def required_bytes(db: Path, input_bytes: int = 0) -> int:
    """Free space a load of ``input_bytes`` of run files, then a publish, needs (see GROWTH)."""
    held = sum(p.stat().st_size for p in (db, db.with_name(db.name + ".wal")) if p.is_file())
    return held + GROWTH * input_bytes + MARGIN


def check_space(db: Path, run_dir: Path | None = None) -> None:
    """Refuse to start when the warehouse's file system cannot take a load and its read copy.

    Args:
        db: the warehouse file (it may not exist yet).
        run_dir: the run folder to load; ``None`` (a preflight before the night has files)
            asks for the read copy and the margin only.

    Raises:
        WarehouseError: not enough free space (the message says how much is needed and why).
    """
    input_bytes = run_input_bytes(run_dir) if run_dir is not None else 0
    need = required_bytes(db, input_bytes)
    free = free_bytes(db)
    if free >= need:
        return
    what = f"{_size(input_bytes)} of run files" if run_dir is not None else "a night's files"
    raise WarehouseError(
        f"not enough free space for the warehouse {db}: {_size(free)} free, about {_size(need)} "
        f"needed (its file and a read copy of it, plus {GROWTH}x {what} for the load's growth, "
        f"plus {_size(MARGIN)}). Nothing was written: free some space, or move the warehouse "
        "(KHABAR_DB) to a larger disk"
    )


def _size(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TB"
