"""bench.workdir: a scratch folder goes when its benchmark ends, even on an error, unless kept."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from bench.workdir import work_folder


def test_a_new_folder_is_removed_even_after_an_error() -> None:
    with pytest.raises(RuntimeError), work_folder(None, "t") as work:
        (work / "file").write_text("x")
        assert work.name.startswith("khabar-bench-t-")
        raise RuntimeError("benchmark failed")
    assert not work.exists()


def test_a_given_folder_is_created_and_kept_when_asked(tmp_path: Path) -> None:
    given = tmp_path / "deep" / "work"
    with work_folder(given, "t", keep=True) as work:
        (work / "file").write_text("x")
    assert work == given and (given / "file").read_text() == "x"


def test_a_folder_holding_files_is_refused_before_any_work_and_kept(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("the user's")
    with pytest.raises(SystemExit, match="already holds files"), work_folder(tmp_path, "t"):
        raise AssertionError("the benchmark ran")
    assert (tmp_path / "mine.txt").read_text() == "the user's"
    with work_folder(tmp_path, "t", keep=True) as work:  # kept: nothing is removed
        (work / "result").write_text("x")
    assert (tmp_path / "mine.txt").read_text() == "the user's"


def test_a_file_is_refused(tmp_path: Path) -> None:
    given = tmp_path / "notes.md"
    given.write_text("x")
    with pytest.raises(SystemExit, match="is a file"), work_folder(given, "t"):
        raise AssertionError("the benchmark ran")
    assert given.read_text() == "x"


@pytest.mark.parametrize("module", ["bench.crawl", "bench.night", "bench.stories"])
def test_benchmarks_refuse_a_workdir_holding_files(module: str, tmp_path: Path) -> None:
    """These benchmarks remove their work folder when they end: ``--workdir`` pointed at a
    folder of the user's removed it whole."""
    (tmp_path / "mine.txt").write_text("the user's")
    main = importlib.import_module(module).main
    with pytest.raises(SystemExit, match="already holds files"):
        main(["--quick", "--workdir", str(tmp_path)])
    assert (tmp_path / "mine.txt").read_text() == "the user's"
