"""Free disk space, and telling a full disk from other errors, for every stage.

The night's preflight asks how much is free before it writes run files, the warehouse before a
load and its read copy; when a disk fills anyway, the night, the extraction process and the
warehouse's command line each end with one line that says so (``is_no_space``), not with the
traceback of whatever write happened to fail.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path


def _existing(path: Path) -> Path:
    """``path``, or its nearest parent that exists (a run folder not made yet)."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def free_bytes(path: Path) -> int:
    """Free bytes for an unprivileged writer on ``path``'s file system (its nearest existing
    parent's if it does not exist yet)."""
    return shutil.disk_usage(_existing(path)).free


def mount_point(path: Path) -> Path:
    """The mount point of the file system holding ``path`` (or its nearest existing parent)."""
    path = _existing(Path(path).absolute())
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path


def is_no_space(error: BaseException | str) -> bool:
    """Whether ``error`` is a full disk (or quota): an ``OSError`` with ``ENOSPC``/``EDQUOT``
    anywhere in its chain, or a message saying "No space left on device", as DuckDB reports it
    ("Could not write file …: No space left on device") and as a child's error line carries it.
    """
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


def human(size: float) -> str:
    """``1.5 GB``, ``320.0 MB``, ``12 KB``."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
