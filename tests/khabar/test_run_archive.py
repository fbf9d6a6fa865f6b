"""A finished run folder archived to an object store through fsspec (``khabar.run.archive``).

The store is fsspec's own in-memory filesystem (``memory://``: keys and whole objects, no
rename, no append, like S3) or a local folder; the run folder is written by the real writers of
``khabar.run`` (marker, crawl state, gzip JSON lines). An upload cut short is a store that fails
after a few objects (fsspec's class with one method overridden: a store we do not own).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fsspec.implementations.memory import MemoryFileSystem

from khabar.run.archive import NotARunFolder, archive_run, archived_runs
from khabar.run.layout import MARKER, RunFolder
from khabar.run.records import JsonlGzWriter, RawPage
from khabar.run.state import write_crawl_state
from tests.support import ROOT

RUN_ID = "20261206T020000-12345"


def _run_folder(runs: Path) -> RunFolder:
    folder = RunFolder(runs / RUN_ID)
    folder.mark(RUN_ID, "nightly")
    write_crawl_state(folder, "lebrief", seen=["https://lebrief.ma/a/"], known={},
                      validators={}, retry={}, recheck={})
    with JsonlGzWriter(folder.raw_file("lebrief")) as writer:
        for i in range(3):
            writer.write(RawPage.from_body(body=f"<html>{i}</html>".encode(), run_id=RUN_ID,
                                           outlet="lebrief", url=f"https://lebrief.ma/{i}/",
                                           final_url=f"https://lebrief.ma/{i}/", status=200,
                                           headers={}, fetched_at="2026-12-06T02:00:00Z"))
    folder.crawl_stats_file("lebrief").parent.mkdir(parents=True, exist_ok=True)
    folder.crawl_stats_file("lebrief").write_text('{"requests": 3}\n')
    RunFolder.tmp(folder.articles).write_bytes(b"half a parquet file")  # a writer cut short
    return folder


def _local(folder: RunFolder) -> dict[str, bytes]:
    return {p.relative_to(folder.path).as_posix(): p.read_bytes()
            for p in folder.path.rglob("*") if p.is_file() and not p.name.endswith(".tmp")}


def _stored(fs: MemoryFileSystem, prefix: str) -> dict[str, bytes]:
    return {name.removeprefix(prefix + "/"): fs.cat_file(name)
            for name in fs.find(prefix)}


@pytest.fixture
def store():
    fs = MemoryFileSystem()
    fs.store.clear()  # fsspec's memory store is global to the process
    fs.pseudo_dirs.clear()
    fs.pseudo_dirs.append("")
    yield fs
    fs.store.clear()


class FailingStore(MemoryFileSystem):
    """An object store whose connection drops after ``allowed`` uploads."""

    allowed = 2

    def put_file(self, lpath, rpath, *args, **kwargs):  # type: ignore[no-untyped-def]
        if FailingStore.allowed <= 0:
            raise ConnectionError("connection reset by peer")
        FailingStore.allowed -= 1
        return super().put_file(lpath, rpath, *args, **kwargs)


def test_archive_uploads_whole_files_with_the_marker_last(tmp_path: Path, store) -> None:
    folder = _run_folder(tmp_path / "runs")
    done = archive_run(folder.path, "memory://bucket/runs")
    local = _local(folder)
    assert _stored(store, f"/bucket/runs/{RUN_ID}") == local  # byte for byte, no .tmp file
    assert done.run_id == RUN_ID and done.files == len(local) and done.removed == 0
    assert done.url == f"memory://bucket/runs/{RUN_ID}"
    assert archived_runs("memory://bucket/runs") == [RUN_ID]
    # again: the same keys, nothing duplicated
    archive_run(folder.path, "memory://bucket/runs")
    assert _stored(store, f"/bucket/runs/{RUN_ID}") == local


def test_an_upload_cut_short_is_not_listed_and_the_next_one_finishes_it(tmp_path: Path,
                                                                        store) -> None:
    folder = _run_folder(tmp_path / "runs")
    FailingStore.allowed = 2
    with pytest.raises(ConnectionError):
        archive_run(folder.path, "memory://bucket/runs", fs=FailingStore())
    partial = _stored(store, f"/bucket/runs/{RUN_ID}")
    assert 0 < len(partial) < len(_local(folder)) and MARKER not in partial
    assert archived_runs("memory://bucket/runs") == []  # no marker: not complete
    archive_run(folder.path, "memory://bucket/runs")
    assert _stored(store, f"/bucket/runs/{RUN_ID}") == _local(folder)
    assert archived_runs("memory://bucket/runs") == [RUN_ID]


def test_archiving_again_mirrors_the_folder(tmp_path: Path, store) -> None:
    folder = _run_folder(tmp_path / "runs")
    archive_run(folder.path, "memory://bucket/runs")
    folder.crawl_stats_file("lebrief").unlink()  # e.g. a re-extraction moved files
    folder.hints_file.write_text("{}\n")
    done = archive_run(folder.path, "memory://bucket/runs")
    assert done.removed == 1
    assert _stored(store, f"/bucket/runs/{RUN_ID}") == _local(folder)


def test_a_folder_that_is_no_run_folder_is_refused_before_any_upload(tmp_path: Path,
                                                                     store) -> None:
    plain = tmp_path / "photos"
    plain.mkdir()
    (plain / "a.jpg").write_bytes(b"jpeg")
    with pytest.raises(NotARunFolder, match="is not a run folder"):
        archive_run(plain, "memory://bucket/runs")
    with pytest.raises(NotARunFolder):
        archive_run(tmp_path / "missing", "memory://bucket/runs")
    assert store.find("/bucket") == []


def test_the_command_archives_to_a_path_and_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    folder = _run_folder(tmp_path / "runs")
    target = tmp_path / "shared" / "runs"
    done = subprocess.run([sys.executable, "-m", "khabar.run.archive", str(folder.path),
                           str(target)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"archived run {RUN_ID}: ")
    copied = RunFolder(target / RUN_ID)
    assert _local(copied) == _local(folder)
    assert archived_runs(str(target)) == [RUN_ID]
    bad = subprocess.run([sys.executable, "-m", "khabar.run.archive", str(tmp_path / "nope"),
                          str(target)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
