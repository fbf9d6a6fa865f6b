"""Checks made before a run does any work, so that bad input gets one clear error, not a
traceback half-way through a night (plain functions, no Prefect).

What people get wrong, and where it is caught:

* the outlet registry (malformed entry, unknown outlet name): ``registry.RegistryError``;
* dates (``until`` before ``since``, a day that has not begun anywhere): ``CrawlScope``;
* the warehouse file (a path under a regular file, a directory that cannot be written, a file
  that is not a DuckDB database, a truncated one, another program's database, one locked by
  another process, too little free space for its read copy): :func:`check_paths` has the
  warehouse check its file (``warehouse.health``, before anything is written to it), opens it
  for writing, as the run will, and closes it;
* the run folder root: :func:`check_runs_dir` creates it, writes a probe file, and wants
  ``KHABAR_MIN_FREE_MB`` free on its file system (1 GB by default: ``DEFAULT_MIN_FREE_MB``
  gives the measured reason).

:func:`problem` turns any of these errors into the one line the command prints.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

import warehouse
from khabar.disk import free_bytes, human, mount_point
from registry import RegistryError

# Free space a night needs in the run folder's file system before it starts, unless
# ``KHABAR_MIN_FREE_MB`` says otherwise. Measured on the 181 real pages of the ScrapingHub set
# (170 KB of HTML each): a run folder holds ~105 KB per article page (raw page file 55 KB,
# pages.parquet 40 KB, articles.parquet ~10 KB; fetch and crawl logs are small). A first night
# of the nine registry outlets at the default max_pages (1,000) stores at most 9,000 pages:
# ~0.95 GB. An incremental night (tens of pages) needs a few MB; a backfill may need more.
DEFAULT_MIN_FREE_MB = 1024


def min_free_bytes() -> int:
    """``$KHABAR_MIN_FREE_MB`` (megabytes, 0 turns the check off) or ``DEFAULT_MIN_FREE_MB``.

    Raises:
        ValueError: the variable is not a whole number of megabytes.
    """
    raw = os.environ.get("KHABAR_MIN_FREE_MB", "").strip()
    if not raw:
        return DEFAULT_MIN_FREE_MB * 2**20
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"KHABAR_MIN_FREE_MB={raw!r} is not a whole number of megabytes") from None
    if value < 0:
        raise ValueError(f"KHABAR_MIN_FREE_MB={raw!r} is negative")
    return value * 2**20


class PreflightError(ValueError):
    """A path the run needs cannot be used; the message names it and says why."""


# The errors a preflight raises: the command line prints them as one line and exits 2.
INPUT_ERRORS = (PreflightError, RegistryError, warehouse.WarehouseError, ValidationError)


def check_paths(db: Path | None, runs_dir: Path) -> None:
    """Open the warehouse for writing (``None``: the configured DuckLake) and make sure run
    files can be written.

    Raises:
        PreflightError: a path cannot be used (it names the path and the reason).
        warehouse.WarehouseError: the warehouse file is not a DuckDB database, is truncated,
            holds another program's tables, is locked past the lock wait
            (``KHABAR_LOCK_WAIT``), cannot be created, or its disk has no room for a read copy.
    """
    if db is None:
        check_runs_dir(runs_dir)
        warehouse.connect().close()  # the catalog answers, the lake's schema is ours
        return
    _no_file_on_the_way(db, "warehouse file")
    if db.exists() and db.is_dir():
        raise PreflightError(f"warehouse file {db} is a directory: give the path of a .duckdb "
                             "file (--db or KHABAR_DB)")
    check_runs_dir(runs_dir)  # first: a refused run leaves no new warehouse file behind
    warehouse.connect(db).close()
    warehouse.check_space(db)  # a read copy's worth; the load checks again with the night's files


def check_runs_dir(runs_dir: Path) -> None:
    """Create ``runs_dir`` if needed, write (then remove) a probe file in it, and check that
    its file system has the free space a night may need (:func:`min_free_bytes`).

    Raises:
        PreflightError: it cannot be created or written, or too little space is free.
    """
    _no_file_on_the_way(runs_dir / "probe", "run folder")
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=runs_dir, prefix=".probe-"):
            pass
    except OSError as exc:
        raise PreflightError(f"cannot write run files under {runs_dir}: {exc.strerror} (set "
                             "KHABAR_RUNS_DIR or runs_dir to a writable directory)") from None
    try:
        wanted = min_free_bytes()
    except ValueError as exc:
        raise PreflightError(str(exc)) from None
    free = free_bytes(runs_dir)
    if free < wanted:
        raise PreflightError(
            f"only {human(free)} free on {mount_point(runs_dir)} for run files under "
            f"{runs_dir}; a night may need {human(wanted)} (a first night of the registry's "
            "outlets at 1,000 pages each, ~105 KB a page): free some space, set KHABAR_RUNS_DIR "
            "elsewhere, or lower KHABAR_MIN_FREE_MB for small nights")


def _no_file_on_the_way(path: Path, what: str) -> None:
    """A parent that is a regular file (``news.duckdb/x.duckdb``) gets its own message."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise PreflightError(f"{what} {path}: {parent} is a file, not a directory")
            return


def problem(exc: BaseException) -> str:
    """One line saying what is wrong with the input (a pydantic error lists each field)."""
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            parts.append(f"{where}: {message}" if where else message)
        return "; ".join(parts)
    return " ".join(str(exc).split())
