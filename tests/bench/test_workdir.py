"""bench.workdir: a scratch folder goes when its benchmark ends, even on an error, unless kept."""

from __future__ import annotations

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
