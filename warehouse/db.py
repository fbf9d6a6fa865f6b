"""Opening the warehouse file: clear errors for the ways it goes wrong, migrations on open.

DuckDB allows one read-write process per file and, while it holds the file, no reader at all
(docs/stable/connect/concurrency.md). Only loaders called from a flow open read-write; everything
else passes ``read_only=True``, and analysts open the read copy ``warehouse.publish`` writes after
each load, so they never hold the file the night needs. A read-write open that finds the file
locked retries with backoff for a bounded time, then fails naming the holder. A read-write open
applies pending migrations, so code and schema never disagree in a writer, after checking that
the file is whole and holds no other program's tables (``warehouse.health``): a bad file is
refused before anything is written to it.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from duckdb.func import PythonUDFType

from khabar.paths import default_db_path
from khabar.urls import article_id
from warehouse.backend import LakeConfig, configured_lake
from warehouse.errors import WarehouseError
from warehouse.health import check_blocks, check_complete, check_ours, truncated_message
from warehouse.lake import attach_lake, lake_ddl, write_lock
from warehouse.queries import one, sql

# DuckDB's buffer pool (a load's uncommitted rows, joins, sorts; it spills to ``<file>.tmp``
# beyond). Its own default, 80% of RAM, let one 100k-article load grow to 6.9 GB, and the whole
# night must stay under 1 GB. At 256 MB a 20,000-article load peaks near 0.6 GB RSS (Python
# included; bench/warehouse.py); 512 MB spills less, for ~0.2 GB more.
DEFAULT_MEMORY_LIMIT = "256MB"
# What a large warehouse adds to it when KHABAR_DUCKDB_MEMORY is not set: a transaction that
# writes a table loads that table's primary-key index whole (~50 MB per million articles each),
# so a 1,000-article night on 1,000,000 stored ran out of memory at 256 MB and finished at
# 512 MB in 17.8 s (bench/stories.py, BENCHMARKS.md): 256 MB more per million stored articles.
MEMORY_PER_MILLION_ARTICLES_MB = 256
# How long a read-write open waits for another process's lock before giving up (seconds).
DEFAULT_LOCK_WAIT = 120.0
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Bytes 8..12 of every DuckDB database file (the main header's magic).
_MAGIC = b"DUCK"
_LOCK = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


@dataclass(frozen=True)
class Migration:
    """One numbered schema change (``migrations/0003_create_fetches.sql``)."""

    version: int
    name: str
    path: Path


def lock_wait_default() -> float:
    """``$KHABAR_LOCK_WAIT`` seconds, else ``DEFAULT_LOCK_WAIT``: a writer's patience."""
    raw = os.environ.get("KHABAR_LOCK_WAIT")
    try:
        return float(raw) if raw else DEFAULT_LOCK_WAIT
    except ValueError as exc:
        raise WarehouseError(f"KHABAR_LOCK_WAIT={raw!r} is not a number of seconds") from exc


def duckdb_config() -> dict[str, str | bool | int | float | list[str]]:
    """Settings every warehouse connection opens with, the same for all of them.

    DuckDB shares one database instance per file within a process and refuses a second
    connection with other settings, so they come from here only: ``memory_limit`` from
    ``$KHABAR_DUCKDB_MEMORY`` (default ``DEFAULT_MEMORY_LIMIT``), ``threads`` from
    ``$KHABAR_DUCKDB_THREADS`` (default DuckDB's: one per core).
    """
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": os.environ.get("KHABAR_DUCKDB_MEMORY") or DEFAULT_MEMORY_LIMIT}
    threads = os.environ.get("KHABAR_DUCKDB_THREADS")
    if threads:
        if not threads.isdigit() or int(threads) < 1:
            raise WarehouseError(f"KHABAR_DUCKDB_THREADS={threads!r} is not a positive integer")
        config["threads"] = threads
    return config


def memory_limit_for(articles: int) -> str:
    """The memory limit for a warehouse holding about ``articles`` articles: the default up to
    a few hundred thousand, then ``MEMORY_PER_MILLION_ARTICLES_MB`` more per million."""
    default_mb = int(DEFAULT_MEMORY_LIMIT.removesuffix("MB"))
    return f"{default_mb + articles * MEMORY_PER_MILLION_ARTICLES_MB // 1_000_000}MB"


def fit_memory_limit(con: duckdb.DuckDBPyConnection) -> None:
    """Raise the open connection's memory limit to ``memory_limit_for`` its stored articles,
    unless ``$KHABAR_DUCKDB_MEMORY`` chose one (the person's choice wins).

    On a lake connection the count is DuckLake's ``estimated_size``: the ``record_count`` its
    catalog keeps per table (``ducklake_table_stats``), read without a scan, as the file's
    catalogue estimate is.
    """
    if os.environ.get("KHABAR_DUCKDB_MEMORY"):
        return
    limit = memory_limit_for(one(con, "connect", "select_stored_article_estimate")[0])
    if limit != DEFAULT_MEMORY_LIMIT:
        con.execute(sql("connect", "set_memory_limit"), {"limit": limit})


def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    wait: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a read-write open first applies pending migrations.

    Args:
        path: database file; ``None`` means the configured warehouse: the DuckLake
            ``KHABAR_WAREHOUSE`` names (``warehouse.lake.connect_lake``), else
            ``khabar.paths.default_db_path()``.
        read_only: open without the write lock (several readers may share the file).
        wait: seconds to keep retrying (backoff 0.1 s doubling to 5 s) while another process
            holds the file's lock. ``None``: ``lock_wait_default()`` for a read-write open (the
            nightly load outlasts a forgotten shell for a while), 0 for a read-only one (a
            reader is told at once; readers should open the read copy instead).

    Returns:
        A connection with the session time zone set to UTC, ``duckdb_config()`` applied and
        its memory limit fitted to the warehouse's size (``fit_memory_limit``).

    Raises:
        WarehouseError: the file is not a DuckDB database (it is never replaced by an empty
            one), is truncated, holds another program's tables (a read-write open checks
            before migrating: ``warehouse.health``), another process still holds its lock
            after ``wait`` seconds (the message names it), its directory is not writable, it
            does not exist and ``read_only`` is set, or a migration fails.
    """
    if path is None:
        lake = configured_lake()
        if lake is not None:  # KHABAR_WAREHOUSE=ducklake:…: the same warehouse in a DuckLake
            return connect_lake(lake, read_only=read_only)
    target = Path(path) if path is not None else default_db_path()
    if wait is None:
        wait = 0.0 if read_only else lock_wait_default()
    block_size = _check_target(target, read_only)
    config = duckdb_config()
    deadline = time.monotonic() + wait
    delay = 0.1
    while True:
        try:
            con = duckdb.connect(str(target), read_only=read_only, config=config)
            break
        except duckdb.Error as exc:
            left = deadline - time.monotonic()
            if _LOCK.search(str(exc)) is None or left <= 0:
                raise explain_open_error(exc, target, waited=wait) from exc
            time.sleep(min(delay, left))
            delay = min(delay * 2, 5.0)
    try:
        con.execute(sql("connect", "set_utc_timezone"))
        register_functions(con)
        if block_size is not None:
            check_blocks(con, target, block_size)
        if not read_only:
            # Before any write: another program's database never gets our tables added.
            check_ours(con, target, {m.version: m.name for m in migrations()})
            migrate(con)
        fit_memory_limit(con)
    except BaseException:
        con.close()
        raise
    return con


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Give ``con`` the Python functions the SQL files call: ``article_id(canonical_url)``
    (``khabar.urls.article_id``), so the key has one formula for extraction, the load and
    re-extraction. Vectorised (an Arrow array at a time): about 2 µs a row, 40 ms for a
    20,000-page night."""
    con.create_function("article_id", _article_ids, ["VARCHAR"], "VARCHAR",
                        type=PythonUDFType.ARROW, side_effects=False)


def _article_ids(urls: pa.Array) -> pa.Array:
    return pa.array([None if url is None else article_id(url) for url in urls.to_pylist()],
                    pa.string())


def check_readable(target: Path) -> int | None:
    """What a read-only open checks first: the file exists, is a DuckDB database and is whole.

    Returns:
        ``None``, or the file's block size when ``warehouse.health.check_blocks`` must check
        its blocks on the open connection.

    Raises:
        WarehouseError: it is not (the message says what to do).
    """
    return _check_target(target, read_only=True)


def _check_target(target: Path, read_only: bool) -> int | None:
    if target.exists():
        if not target.is_file():
            raise WarehouseError(f"{target} is not a file: point KHABAR_DB at a .duckdb file")
        try:
            with target.open("rb") as handle:
                header = handle.read(12)
        except OSError as exc:
            raise WarehouseError(f"cannot read {target}: {exc.strerror}") from exc
        if header[8:12] != _MAGIC:
            raise WarehouseError(_not_duckdb(target))
        block_size = check_complete(target)
        if not read_only and not os.access(target, os.W_OK):
            raise WarehouseError(
                f"{target} is not writable by this user: fix its permissions, or open it with "
                "read_only=True to query it"
            )
        return block_size
    if read_only:
        raise WarehouseError(missing_warehouse(target))
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"cannot create directory {parent}: {exc.strerror}") from exc
    if not os.access(parent, os.W_OK | os.X_OK):
        raise WarehouseError(
            f"directory {parent} is not writable, so {target.name} cannot be created there "
            "(DuckDB also writes a .wal file beside it): choose another path with KHABAR_DB"
        )
    return None


def _not_duckdb(target: Path) -> str:
    size = target.stat().st_size
    return (
        f"{target} ({size} bytes) is not a DuckDB database file. It was left untouched: move it "
        "aside (or restore a backup) before opening the warehouse there; a new empty database "
        "is never created over it"
    )


def explain_open_error(exc: duckdb.Error, target: Path, waited: float = 0.0) -> WarehouseError:
    """The one-line error for a failed open of ``target``: a lock names its holder."""
    message = str(exc)
    lock = _LOCK.search(message)
    if lock:
        pid = lock["pid"]
        who = _command_line(pid) or lock["program"]
        after = f" (still after waiting {waited:g} s)" if waited > 0 else ""
        return WarehouseError(
            f"{target} is locked by another process{after}: PID {pid} ({who}). DuckDB lets one "
            "read-write process hold the file, with no other reader or writer beside it. "
            f"Close that process (a running flow, a python shell or notebook, `python -m "
            f"warehouse`) or wait for it to finish and retry; `kill {pid}` only if it is stuck. "
            "Analysts should query the read copy (news.read.duckdb) instead, which is never "
            "locked by the load"
        )
    if "not a valid DuckDB database" in message:
        return WarehouseError(_not_duckdb(target))
    if "Could not read enough bytes" in message:
        return WarehouseError(truncated_message(target))
    if "Permission denied" in message or "Read-only file system" in message:
        return WarehouseError(f"cannot write {target} or its .wal file: {message}")
    return WarehouseError(f"cannot open {target}: {message}")


def _command_line(pid: str) -> str:
    """The other process's command line (Linux /proc), to say *which* program to close."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()[:200]


def migrations() -> list[Migration]:
    """Migration files in version order.

    Raises:
        WarehouseError: two files share a version number.
    """
    found: dict[int, Migration] = {}
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        version = int(path.name[:4])
        if version in found:
            raise WarehouseError(f"two migrations numbered {version}: {path.name}")
        found[version] = Migration(version, path.stem, path)
    return [found[v] for v in sorted(found)]


def applied_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Versions recorded in ``schema_migrations`` (empty for a new file)."""
    if not one(con, "migrations", "select_schema_migrations_exists")[0]:
        return []
    rows = con.execute(sql("migrations", "select_applied_migrations")).fetchall()
    return [row[0] for row in rows]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Highest applied migration, 0 for an empty database."""
    return max(applied_versions(con), default=0)


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Migrations this code has and the database has not applied."""
    done = set(applied_versions(con))
    return [m for m in migrations() if m.version not in done]


def migrate(
    con: duckdb.DuckDBPyConnection, rewrite: Callable[[str], str] | None = None
) -> list[Migration]:
    """Apply pending migrations in order, each in its own transaction with its record row.

    ``rewrite`` turns each migration's SQL into another backend's (``warehouse.lake.lake_ddl``).

    Returns:
        The migrations applied (empty when the schema was current: re-opening is a no-op).

    Raises:
        WarehouseError: the database is newer than this code, or a migration fails (that
            migration is rolled back; earlier ones stay).
    """
    rewrite = rewrite or (lambda text: text)
    con.execute(rewrite(sql("migrations", "create_schema_migrations")))
    known = {m.version for m in migrations()}
    unknown = sorted(set(applied_versions(con)) - known)
    if unknown:
        raise WarehouseError(
            f"the database has migrations {unknown} this code does not know: it was written by a "
            "newer khabar; update the code before writing to it"
        )
    pending = pending_migrations(con)
    for migration in pending:
        con.begin()
        try:
            con.execute(rewrite(migration.path.read_text(encoding="utf-8")))
            con.execute(
                sql("migrations", "insert_schema_migration"),
                {"version": migration.version, "name": migration.name},
            )
            con.commit()
        except duckdb.Error as exc:
            con.rollback()
            raise WarehouseError(f"migration {migration.path.name} failed: {exc}") from exc
    return pending


def connect_lake(
    config: LakeConfig, *, read_only: bool = False, snapshot: int | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the DuckLake ``config`` names (``warehouse.lake``); a writer applies pending migrations
    under the lake's write lock (two workers opening a new lake at once migrate it once).

    Args:
        snapshot: read the lake as of this snapshot (read-only: time travel).

    Raises:
        WarehouseError: the catalog cannot be reached or opened, or a migration fails.
    """
    con = duckdb.connect(":memory:", config=duckdb_config())
    try:
        attach_lake(con, config, read_only=read_only or snapshot is not None, snapshot=snapshot)
        con.execute(sql("connect", "set_utc_timezone"))
        register_functions(con)
        # Under the write lock only when there is something to do (or to refuse: a newer
        # lake): a worker opening the lake while another loads does not wait for that load.
        if not read_only and set(applied_versions(con)) != {m.version for m in migrations()}:
            with write_lock(con):
                migrate(con, rewrite=lake_ddl)
        fit_memory_limit(con)  # from the lake's own table stats: a transaction here holds
        # what it writes in memory before its Parquet files, as a file's load does
    except BaseException:
        con.close()
        raise
    return con


def missing_warehouse(target: Path) -> str:
    """The one line for a warehouse file that is not there (a mistyped path, or no load yet)."""
    return (f"{target} does not exist: load a run first (the loader creates it), or set "
            "KHABAR_DB to the warehouse file")
