"""The maintenance flow's retention deletes only run folders it can prove are ours: a real
directory named like a run id, with its run's marker, known to the warehouse as a run that ended.
Anything else in the runs folder (notes, a symbolic link, a foreign folder named like a run, a
run still running) is left alone and named with the reason (issue 15)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flows.maintenance import maintenance
from khabar.run.layout import RunFolder
from pipeline.retention import retention_plan
from warehouse import connect
from warehouse.load import record_run_end, record_run_start

OLD, OLDER, NEW = "20200101T000000-00001", "20200102T000000-00002", "20991231T000000-00001"


def _runs(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A warehouse and a runs folder holding one of each kind of entry."""
    db, runs, outside = tmp_path / "news.duckdb", tmp_path / "runs", tmp_path / "elsewhere"
    with connect(db) as con:
        for run_id, status in ((OLD, "completed"), (OLDER, "running"), (NEW, "completed")):
            record_run_start(con, run_id, "nightly", {})
            if status != "running":
                record_run_end(con, run_id, status, {})
        record_run_start(con, "20200103T000000-00003", "nightly", {})
    for run_id in (OLD, OLDER, NEW):
        RunFolder(runs / run_id).mark(run_id, "nightly")
        RunFolder(runs / run_id).raw_dir.mkdir()
        RunFolder(runs / run_id).raw_file("x").write_bytes(b"x")
    (runs / "20200103T000000-00003").mkdir()  # known, but no marker: not made by a run
    (runs / "20200104T000000-00004").mkdir()  # marker naming another run
    RunFolder(runs / "20200104T000000-00004").marker.write_text('{"run_id": "other"}')
    RunFolder(runs / "20200105T000000-00005").mark("20200105T000000-00005", "nightly")  # unknown
    notes = runs / "notes"
    notes.mkdir()
    (notes / "keep.txt").write_text("mine")
    os.utime(notes, (time.time() - 400 * 86400,) * 2)
    (runs / "README.txt").write_text("mine too")
    RunFolder(outside / "20200106T000000-00006").mark("20200106T000000-00006", "nightly")
    (runs / "20200106T000000-00006").symlink_to(outside / "20200106T000000-00006")
    return db, runs, outside


def test_retention_plan_deletes_only_provable_old_run_folders(tmp_path: Path) -> None:
    _, runs, _ = _runs(tmp_path)
    statuses = {OLD: "completed", OLDER: "running", NEW: "completed",
                "20200103T000000-00003": "running"}
    plan = retention_plan(runs, keep_days=30, statuses=statuses)
    assert [p.name for p in plan.expired] == [OLD]
    assert plan.recent == 1
    assert set(plan.skipped) == {OLDER, "20200103T000000-00003", "20200104T000000-00004",
                                 "20200105T000000-00005", "notes", "README.txt",
                                 "20200106T000000-00006"}
    assert "symbolic link" in plan.skipped["20200106T000000-00006"]
    assert "still marked running" in plan.skipped[OLDER]
    assert "marker" in plan.skipped["20200103T000000-00003"]
    assert "does not know" in plan.skipped["20200105T000000-00005"]
    assert retention_plan(runs, 30, statuses=None).expired == []  # warehouse unreadable


@pytest.mark.integration
def test_the_maintenance_flow_deletes_what_it_proved_and_names_the_rest(
        prefect_harness, tmp_path: Path) -> None:
    db, runs, outside = _runs(tmp_path)
    result = maintenance(db_path=str(db), runs_dir=str(runs),
                         export_dir=str(tmp_path / "export"), keep_days=30)
    assert result["removed_runs"] == [OLD]
    assert not (runs / OLD).exists()
    assert RunFolder(runs / NEW).raw_file("x").exists() and (runs / OLDER).is_dir()
    assert (runs / "notes" / "keep.txt").read_text() == "mine"
    assert (runs / "README.txt").exists()
    assert RunFolder(outside / "20200106T000000-00006").marker.exists()  # link not followed
    assert (runs / "20200106T000000-00006").is_symlink()
    assert set(result["skipped"]) == {OLDER, "20200103T000000-00003", "20200104T000000-00004",
                                      "20200105T000000-00005", "notes", "README.txt",
                                      "20200106T000000-00006"}
