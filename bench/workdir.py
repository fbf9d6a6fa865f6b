"""The scratch folder a benchmark works in: the one asked for (``--workdir``) or a new temp
folder, removed when the benchmark ends unless it is kept (``--keep``).

Since the folder is removed whole, a ``--workdir`` that already holds files is refused before
any work unless ``--keep`` is given: ``--workdir ~/projects`` must not delete the user's
projects (every benchmark with a ``--workdir`` removed the given folder whole until
2026-12-06)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def work_folder(given: Path | None, name: str, keep: bool = False) -> Iterator[Path]:
    """``given`` (created if missing) or a new ``khabar-bench-<name>-*`` in the temp folder,
    removed afterwards, even after an error, unless ``keep``.

    Raises:
        SystemExit: ``given`` is a file, or a folder holding files that removing it would lose
            (without ``keep``): one line, before any work.
    """
    if given is None:
        work = Path(tempfile.mkdtemp(prefix=f"khabar-bench-{name}-"))
    elif given.exists() and not given.is_dir():
        raise SystemExit(f"--workdir {given} is a file, not a folder")
    elif not keep and given.is_dir() and any(given.iterdir()):
        raise SystemExit(f"--workdir {given} already holds files, and the benchmark removes its "
                         "work folder when it ends: give a new or empty folder, or --keep")
    else:
        given.mkdir(parents=True, exist_ok=True)
        work = given
    try:
        yield work
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
