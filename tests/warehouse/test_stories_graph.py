"""warehouse.stories: the story graph kept incrementally, equal to a rebuild and the reference."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from tests.support.runs import T0, art, snapshot, words, write_run
from tests.support.stories import check_stories, story_graph_nights, variant
from transforms import story
from warehouse import stories
from warehouse.load import load_run
from warehouse.stories import band_keys, update_stories

# --- story graph: incremental, and the same as the reference ---------------------------------


def test_incremental_story_graph_matches_rebuild_and_reference(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    nights = story_graph_nights(tmp_path / "runs")
    for run_id, folder in nights[:3]:
        load_run(con, run_id, folder)
        check_stories(con)
    assert con.execute("select count(*) from story_links").fetchone()[0] >= 4
    # r2 reloaded without most of its pages, then whole again.
    for run_id, folder in nights[3:]:
        load_run(con, run_id, folder)
        check_stories(con)


def test_a_night_updates_the_story_graph_without_rebuilding_it(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    pair = [art("lebrief", "a", variant(0, 0)), art("le360", "b", variant(0, 1))]
    load_run(con, "r1", write_run(runs, "r1", pair))
    ran: list[str] = []
    real = stories.sql
    monkeypatch.setattr(stories, "sql", lambda step, name: ran.append(name) or real(step, name))
    later = [art("hespress", "c", variant(0, 2)), art("hespress", "d", words(4))]
    load_run(con, "r2", write_run(runs, "r2", later, fetched_at=T0 + timedelta(days=1)))
    assert "stage_story_changes" in ran and "stage_all_story_changes" not in ran
    assert con.execute("select count(distinct story_id) from articles").fetchone() == (2,)
    check_stories(con)


def test_band_keys_equal_exactly_when_a_band_is() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2**32, size=128, dtype=np.uint64)
    b = a.copy()
    b[story.CANDIDATE_ROWS:] += 1  # only band 0 still equal
    keys = band_keys(np.stack([a, b]))
    assert keys.shape == (2, story.CANDIDATE_BANDS) and (keys >= 0).all()
    assert keys[0, 0] == keys[1, 0] and not (keys[0, 1:] == keys[1, 1:]).any()
    # The same values in two different bands make two different keys.
    c = np.tile(a[: story.CANDIDATE_ROWS], 128 // story.CANDIDATE_ROWS + 1)[:128]
    assert len(set(band_keys(c[None, :])[0])) == story.CANDIDATE_BANDS


def test_story_graph_out_of_step_is_rebuilt(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stories, "_PART", 1)  # a rebuild goes a slice at a time
    runs = tmp_path / "runs"
    pair = [art("lebrief", "a", variant(0, 0)), art("le360", "b", variant(0, 1))]
    load_run(con, "r1", write_run(runs, "r1", pair))
    r2 = write_run(runs, "r2", [art("hespress", "c", words(3))], fetched_at=T0 + timedelta(1))
    load_run(con, "r2", r2)
    expected = snapshot(con)
    assert len(expected["story_links"]) == 1
    # As a warehouse migrated to the story graph finds it: articles, no features, keys, links.
    for table in ("story_features", "story_keys", "story_links"):
        con.execute(f"delete from {table}")
    load_run(con, "r2", r2)  # touches only c, yet the whole graph comes back
    assert snapshot(con) == expected


def test_misshapen_signature_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    load_run(con, "r1", write_run(tmp_path / "runs", "r1", [art("lebrief", "a", words(1))]))
    con.execute("update article_signatures set minhash = minhash[1:64]")
    with pytest.raises(ValueError, match="64 values, not 128"):
        update_stories(con)
