"""Where things live on disk, each movable with an environment variable (their one owner).

``KHABAR_DB`` had two defaults before this module: the flows took ``warehouse/news.duckdb``
under the project, ``python -m warehouse`` the same path relative to its working directory, so
run from elsewhere it opened (and created) another warehouse.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = PROJECT_ROOT / "warehouse" / "news.duckdb"
DEFAULT_RUNS_DIR = PROJECT_ROOT / "data" / "runs"
DEFAULT_EXPORT_DIR = PROJECT_ROOT / "data" / "export"


def default_db_path() -> Path:
    """The warehouse file: the one ``KHABAR_WAREHOUSE=duckdb:PATH`` names, else ``$KHABAR_DB``,
    else ``warehouse/news.duckdb`` in the project (``warehouse.backend`` reads the variable's
    other forms: a DuckLake)."""
    chosen = (os.environ.get("KHABAR_WAREHOUSE") or "").strip()
    if chosen.startswith("duckdb:") and chosen != "duckdb:":
        return Path(chosen.removeprefix("duckdb:"))
    return Path(os.environ.get("KHABAR_DB") or DEFAULT_DB)


def default_runs_dir() -> Path:
    """Where each run keeps its folder (``khabar.run``): ``$KHABAR_RUNS_DIR``, else
    ``data/runs`` in the project."""
    return Path(os.environ.get("KHABAR_RUNS_DIR") or DEFAULT_RUNS_DIR)


def runs_archive() -> str | None:
    """Where finished run folders are archived (``khabar.run.archive``): ``$KHABAR_RUNS_ARCHIVE``,
    an fsspec URL (``s3://bucket/khabar/runs``) or a path; None when unset (not archived)."""
    return (os.environ.get("KHABAR_RUNS_ARCHIVE") or "").strip() or None
