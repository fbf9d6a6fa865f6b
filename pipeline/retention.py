"""Which run folders the maintenance flow may delete, and deleting them (plain functions).

Run files (raw pages, fetch logs, extraction output) are only needed until their run is loaded
(the warehouse keeps every page body, compressed); after ``keep_days`` they are deleted. Only
folders that are provably run folders: a real directory (a symbolic link is never followed nor
deleted), named like a run id, holding the marker its run wrote (``khabar.run.layout.MARKER``)
with that same id, and known to the warehouse as a run that ended. Anything else in the runs
folder is left alone and named in the log, with the reason.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import warehouse
from khabar.run.layout import MARKER, RUN_ID, RunFolder, run_started
from pipeline.context import LOG, Logger
from warehouse import monitoring


@dataclass
class Retention:
    """What retention found in a runs folder: folders to delete, entries left alone and why."""

    expired: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # entry name -> why it is kept
    recent: int = 0  # run folders younger than keep_days


def retention_plan(runs_dir: Path, keep_days: int, statuses: dict[str, str] | None,
                   now: float | None = None) -> Retention:
    """Sort the entries of ``runs_dir``: run folders older than ``keep_days`` (by the start time
    in their run id) that are provably ours, and everything else with the reason it is kept.

    Args:
        statuses: ``crawl_runs.status`` by run id (``warehouse.monitoring.run_statuses``); None
            when the warehouse could not be read (nothing is deleted then).
    """
    now = time.time() if now is None else now
    cutoff = now - keep_days * 86400
    plan = Retention()
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return plan
    for path in sorted(runs_dir.iterdir()):
        name = path.name
        if path.is_symlink():
            plan.skipped[name] = "a symbolic link (never followed nor deleted)"
        elif not path.is_dir():
            plan.skipped[name] = "not a directory"
        elif not RUN_ID.match(name) or (started := run_started(name)) is None:
            plan.skipped[name] = "not named like a run id (YYYYMMDDTHHMMSS-NNNNN-xxxxxx)"
        elif started.timestamp() >= cutoff:
            plan.recent += 1
        elif RunFolder(path).marked_run_id() != name:
            plan.skipped[name] = (f"no {MARKER} marker naming this run (not made by a run, "
                                  "or by a version before markers): delete it by hand if it "
                                  "is one")
        elif statuses is None:
            plan.skipped[name] = "the warehouse could not be read to confirm the run"
        elif name not in statuses:
            plan.skipped[name] = "a run the warehouse does not know"
        elif statuses[name] == "running":
            plan.skipped[name] = "its run is still marked running"
        else:
            plan.expired.append(path)
    return plan


def remove_expired(runs_dir: Path, keep_days: int, db: Path | None,
                   log: Logger = LOG) -> dict[str, object]:
    """Delete the run folders older than ``keep_days`` that are provably ours (see the module);
    log what was deleted and what was left alone, and why. ``db`` ``None``: the configured
    warehouse (the DuckLake ``KHABAR_WAREHOUSE`` names) confirms the runs."""
    statuses: dict[str, str] | None = None
    names = [p.name for p in runs_dir.iterdir()] if runs_dir.is_dir() else []
    try:
        with warehouse.connect(db, read_only=True) as con:
            statuses = monitoring.run_statuses(con, names)
    except warehouse.WarehouseError as exc:
        log.warning("cannot read the warehouse to confirm runs, deleting nothing: %s", exc)
    plan = retention_plan(runs_dir, keep_days, statuses)
    removed = []
    for path in plan.expired:
        try:
            shutil.rmtree(path)  # never follows a link inside; refuses a link itself
        except OSError as exc:
            plan.skipped[path.name] = f"could not be deleted: {exc}"
            continue
        removed.append(path.name)
    log.info("removed %d run folders older than %d days from %s: %s", len(removed),
             keep_days, runs_dir, ", ".join(removed) or "none")
    for name, why in plan.skipped.items():
        log.warning("left %s alone: %s", runs_dir / name, why)
    return {"removed": removed, "skipped": plan.skipped, "recent": plan.recent}
