"""Run ids unique across machines, and run folders never reused (``khabar.run.layout``).

Two machines sharing a runs folder may start a shard in the same second from processes with the
same PID (containers): the ids must differ, and a folder that exists must never be taken over.
"""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from khabar.run import layout
from khabar.run.layout import SEEN, RunFolder, new_run_id
from pipeline.retention import retention_plan

SECOND = datetime(2026, 12, 6, 2, 30, 0, tzinfo=UTC)


def test_two_starts_in_the_same_second_with_the_same_pid_get_different_folders(
        tmp_path: Path) -> None:
    # One process: the same PID for both, and the same start second.
    first, second = new_run_id(SECOND), new_run_id(SECOND)
    assert first != second
    assert first[:21] == second[:21]  # the start second and the PID are the same
    for run_id in (first, second):
        RunFolder(tmp_path / run_id).claim(run_id, "nightly")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first, second])
    assert RunFolder(tmp_path / first).marked_run_id() == first


def test_ids_sort_by_start_time_and_every_consumer_still_reads_them() -> None:
    early = new_run_id(SECOND)
    late = new_run_id(datetime(2026, 12, 6, 2, 30, 1, tzinfo=UTC))
    assert sorted([late, early]) == [early, late]
    assert layout.RUN_ID.match(early) and layout.run_started(early) == SECOND
    # Ids made before the suffix still match (retention keeps knowing old folders).
    assert layout.RUN_ID.match("20261123T023000-12345")
    assert not layout.RUN_ID.match("20261123T023000-12345-XYZ")


def test_retention_still_deletes_an_expired_run_with_the_new_id(tmp_path: Path) -> None:
    run_id = new_run_id(datetime(2020, 1, 1, tzinfo=UTC))
    RunFolder(tmp_path / run_id).claim(run_id, "nightly")
    plan = retention_plan(tmp_path, 30, {run_id: "completed"})
    assert plan.expired == [tmp_path / run_id] and not plan.skipped


def test_an_existing_folder_is_never_reused(tmp_path: Path) -> None:
    run_id = new_run_id(SECOND)
    other = tmp_path / run_id
    RunFolder(other).raw_dir.mkdir(parents=True)
    RunFolder(other).raw_file("lebrief").write_bytes(b"another machine's pages")
    RunFolder(other).marker.write_text(json.dumps({"run_id": run_id, "flow": "nightly",
                                                   "host": "elsewhere", "pid": 7}))
    with pytest.raises(FileExistsError, match="never reused"):
        RunFolder(other).claim(run_id, "nightly")
    assert RunFolder(other).raw_file("lebrief").read_bytes() == b"another machine's pages"
    assert json.loads(RunFolder(other).marker.read_text())["host"] == "elsewhere"
    # An empty folder someone else just made (its marker not written yet) is not taken either.
    empty = tmp_path / new_run_id(SECOND)
    empty.mkdir()
    with pytest.raises(FileExistsError):
        RunFolder(empty).claim(empty.name, "nightly")
    assert list(empty.iterdir()) == []


def test_a_retried_prepare_in_the_claiming_process_takes_its_own_folder_again(
        tmp_path: Path) -> None:
    run_id = new_run_id()
    folder = RunFolder(tmp_path / "runs" / run_id)
    folder.claim(run_id, "nightly")
    (folder.path / SEEN).mkdir()
    folder.claim(run_id, "nightly")  # the Prefect task's retry: same host, PID and id
    assert (folder.path / SEEN).is_dir()


def _claim(path: str, run_id: str, results: multiprocessing.Queue) -> None:
    try:
        RunFolder(Path(path)).claim(run_id, "nightly")
        results.put("claimed")
    except FileExistsError:
        results.put("refused")


def test_two_processes_claiming_one_id_at_once_one_wins(tmp_path: Path) -> None:
    """The worst case the suffix makes rare: the same id from two processes (two machines)."""
    run_id = new_run_id(SECOND)
    results: multiprocessing.Queue = multiprocessing.Queue()
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_claim, args=(str(tmp_path / run_id), run_id, results))
             for _ in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
    assert sorted(results.get(timeout=5) for _ in procs) == ["claimed", "refused"]
