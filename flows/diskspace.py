"""Free space for run files: checked before a night, and named when it runs out during one.

A night writes its run folder (raw pages, fetch logs, extraction output) before anything reaches
the warehouse, so a full disk there stops the night before the load: nothing stored is touched,
and the next night, with space freed, redoes the work. What this module adds is the one line
that says so, instead of tracebacks from wherever the disk happened to fill.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

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


def free_bytes(path: Path) -> int:
    """Free bytes for an unprivileged writer on ``path``'s file system (its nearest existing
    parent's if it does not exist yet)."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def mount_point(path: Path) -> Path:
    """The mount point of the file system holding ``path`` (or its nearest existing parent)."""
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path


def is_no_space(error: BaseException | str) -> bool:
    """Whether ``error`` (an exception, its chain, or a child's error line) is a full disk."""
    if isinstance(error, str):
        return "no space left on device" in error.lower()
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if is_no_space(str(current)):
            return True
        current = current.__cause__ or current.__context__
    return False


def human(size: int) -> str:
    """``1.5 GB``, ``320 MB``, ``12 KB``."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def no_space_line(run_dir: Path) -> str:
    """The line a night ends with when the run folder's disk filled during it."""
    return (f"no space left on {mount_point(run_dir)} (run folder {run_dir}, "
            f"{human(free_bytes(run_dir))} free): the night stopped before its load, so nothing "
            "stored was touched; free some space (or set KHABAR_RUNS_DIR elsewhere) and run "
            "again: the next night redoes this one's work")
