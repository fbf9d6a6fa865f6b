"""Where things live on disk; every location can be moved with an environment variable."""

from __future__ import annotations

import json
import os
import re
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


# A run id: its UTC start time and the flow process's PID (``new_run_id``).
RUN_ID = re.compile(r"^\d{8}T\d{6}-\d{5}$")
# Written into every run folder when its run starts (``mark_run_dir``): what tells the
# maintenance flow's retention that a folder is ours to delete.
RUN_MARKER = ".khabar-run"


def mark_run_dir(run_dir: Path, run_id: str, flow: str) -> None:
    """Create the run folder and its marker (``{"run_id": ..., "flow": ...}``)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / RUN_MARKER).write_text(json.dumps({"run_id": run_id, "flow": flow}) + "\n",
                                      encoding="utf-8")


def run_marker(run_dir: Path) -> str | None:
    """The run id the folder's marker names, or None (no marker, or not one we wrote)."""
    try:
        data = json.loads((run_dir / RUN_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    run_id = data.get("run_id") if isinstance(data, dict) else None
    return run_id if isinstance(run_id, str) else None
