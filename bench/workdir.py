"""The scratch folder a benchmark works in: the one asked for (``--workdir``) or a new temp
folder, removed when the benchmark ends unless it is kept (``--keep``)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def work_folder(given: Path | None, name: str, keep: bool = False) -> Iterator[Path]:
    """``given`` (created if missing) or ``khabar-bench-<name>-*`` in the temp folder; removed
    afterwards, even after an error, unless ``keep``."""
    work = given or Path(tempfile.mkdtemp(prefix=f"khabar-bench-{name}-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        yield work
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
