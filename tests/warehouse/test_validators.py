"""Feed and sitemap validators between runs: the crawl's file → the warehouse → the next crawl's
``validators_file`` (plain functions and a DuckDB file in ``tmp_path``; no crawl)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import warehouse
from khabar.run.layout import RunFolder
from khabar.run.state import (
    Validators,
    read_retry_file,
    read_validators_file,
    write_validators_file,
)
from warehouse.validators import load_validators, validators_for

FEED = "https://lebrief.ma/feed/"
INDEX = "https://lebrief.ma/sitemap_index.xml"


def _run(root: Path, name: str, validators: dict[str, Validators]) -> Path:
    run_dir = root / name
    write_validators_file(RunFolder(run_dir).crawl_validators_file("lebrief"), validators)
    return run_dir


def test_load_merges_idempotently_and_never_goes_back_in_time(tmp_path: Path) -> None:
    con = warehouse.connect(tmp_path / "w.duckdb")
    old = _run(tmp_path, "r1", {
        FEED: Validators('"v1"', "Sat, 21 Nov 2026 11:00:00 GMT", "2026-11-22T02:00:00Z"),
        INDEX: Validators(None, "Sat, 21 Nov 2026 11:00:00 GMT", "2026-11-22T02:00:00Z"),
    })
    new = _run(tmp_path, "r2", {
        FEED: Validators('"v2"', "Sun, 22 Nov 2026 11:00:00 GMT", "2026-11-23T02:00:00Z"),
    })
    assert load_validators(con, "r1", old) == 2
    assert load_validators(con, "r2", new) == 1
    expected = {
        FEED: {"etag": '"v2"', "last_modified": "Sun, 22 Nov 2026 11:00:00 GMT",
               "fetched_at": "2026-11-23T02:00:00Z"},
        INDEX: {"etag": None, "last_modified": "Sat, 21 Nov 2026 11:00:00 GMT",
                "fetched_at": "2026-11-22T02:00:00Z"},
    }
    assert validators_for(con, "lebrief") == expected
    load_validators(con, "r2", new)  # again: same rows
    load_validators(con, "r1", old)  # an older run reloaded: nothing goes back
    assert validators_for(con, "lebrief") == expected
    assert con.execute("select count(*) from http_validators").fetchone()[0] == 2
    assert validators_for(con, "unknown") == {}
    # What the flow writes for the next crawl is what the spider reads.
    path = tmp_path / "next" / "lebrief.json"
    path.parent.mkdir()
    path.write_text(json.dumps(validators_for(con, "lebrief")))
    read = read_validators_file(path)
    assert read[FEED].request_headers() == {"If-None-Match": '"v2"',
                                            "If-Modified-Since": "Sun, 22 Nov 2026 11:00:00 GMT"}
    assert read[INDEX].fetched is not None
    con.close()


def test_a_run_without_validators_files_loads_nothing(tmp_path: Path) -> None:
    con = warehouse.connect(tmp_path / "w.duckdb")
    assert load_validators(con, "r0", tmp_path / "empty-run") == 0
    con.close()


def test_bad_validators_file_is_named(tmp_path: Path) -> None:
    con = warehouse.connect(tmp_path / "w.duckdb")
    bad = RunFolder(tmp_path / "bad").crawl_validators_file("lebrief")
    bad.parent.mkdir(parents=True)
    bad.write_text(json.dumps({FEED: {"etag": '"x"'}}))
    with pytest.raises(ValueError, match="fetched_at"):
        load_validators(con, "bad", tmp_path / "bad")
    con.close()


@pytest.mark.parametrize("reader, name", [(read_retry_file, "retry_file"),
                                          (read_validators_file, "validators_file")])
def test_state_files_with_a_non_object_entry_are_refused(tmp_path: Path, reader, name) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"https://lebrief.ma/a/": {}, "https://lebrief.ma/b/": 3}))
    with pytest.raises(ValueError, match=rf"^{name} .*entry for 'https://lebrief.ma/b/' is not"):
        reader(path)
    path.write_text(json.dumps({"https://lebrief.ma/a/": {"attempts": 2}}))
    assert reader(path)
