"""Where things live on disk; every location can be moved with an environment variable."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_db_path() -> Path:
    """The warehouse file: ``KHABAR_DB`` or ``warehouse/news.duckdb``."""
    return Path(os.environ.get("KHABAR_DB", PROJECT_ROOT / "warehouse" / "news.duckdb"))


def default_runs_dir() -> Path:
    """Where each run keeps its raw pages and intermediate files: ``KHABAR_RUNS_DIR``."""
    return Path(os.environ.get("KHABAR_RUNS_DIR", PROJECT_ROOT / "data" / "runs"))


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique-enough id stamped on every file and row of one run."""
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid() % 100000:05d}"
