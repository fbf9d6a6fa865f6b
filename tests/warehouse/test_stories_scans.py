"""A night's load reads the whole stored warehouse as few times as it can (issue 14: a night on
1,000,000 stored articles; DuckDB uses no index for a join, so every join of the night's ids
with ``articles`` scans a column of every stored article).

Each statement the load runs is explained (DuckDB's physical plan, before it runs) and its
sequential scans of the large tables are counted. The counts are what the load needs: the merge
of the night's rows, one read of the changed articles for the grouping (``story_sources``), the
seeds' stories and their members (``story_members``), the declared links' three address
lookups, the story ids written back. Statements that can read the night's staged tables instead
(the members' rows, the stories wanted, the orphan stories) must not read ``articles``. And a
run's first load skips the statements only a reload needs (each reads a whole stored table).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

import warehouse.load
from bench.storyset.runs import write_nights
from warehouse import connect
from warehouse.load import load_run
from warehouse.queries import SQL_DIR, statements
from warehouse.stories import update_stories

BIG = ("articles", "story_links", "story_features", "story_keys", "stories")
# Statement text -> its name in a step file (warehouse/sql/<step>.sql).
_NAMES = {text: name for path in SQL_DIR.glob("*.sql") for name, text in statements(path).items()}


def _scanned(plan: list[dict[str, Any]]) -> list[str]:
    """Tables scanned in full by a JSON physical plan."""
    found = []
    for node in plan:
        if node.get("name") in ("SEQ_SCAN", "TABLE_SCAN"):
            found.append(str(node.get("extra_info", {}).get("Table", "")).rsplit(".", 1)[-1])
        found += _scanned(node.get("children", []))
    return found


class _Explaining:
    """A DuckDB connection that explains every statement before running it."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.scans: Counter[str] = Counter()
        self.by_statement: dict[str, Counter[str]] = {}
        self.ran: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def execute(self, query: str, *args: Any) -> duckdb.DuckDBPyConnection:
        self.ran.append(_NAMES.get(query, query))
        words = query.lstrip().split(None, 1)
        if words and words[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "DROP", "SET",
                                              "CHECKPOINT", "ATTACH", "DETACH", "USE"):
            try:
                rows = self._con.execute("EXPLAIN (FORMAT json) " + query, *args).fetchall()
            except duckdb.Error:
                rows = []  # not explainable (a catalogue statement): it scans no table
            tables = Counter(t for row in rows for t in _scanned(json.loads(row[1]))
                             if t in BIG)
            self.scans += tables
            if tables:
                self.by_statement[_NAMES.get(query, query)] = tables
        return self._con.execute(query, *args)


def test_a_night_grouping_scans_the_stored_articles_a_bounded_number_of_times(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = write_nights(tmp_path / "runs")
    con = connect(tmp_path / "news.duckdb")
    for run_id, run_dir in runs[:-1]:
        load_run(con, run_id, run_dir)
    explaining = _Explaining(con)

    def observed(_con: duckdb.DuckDBPyConnection, *args: Any) -> int:
        return update_stories(explaining, *args)  # type: ignore[arg-type]

    # The load's own connection, explained while it groups the night (the merge before it
    # scans articles ~19 times, a matter apart).
    monkeypatch.setattr(warehouse.load, "update_stories", observed)
    load_run(con, *runs[-1])
    for name in ("select_story_members", "stage_wanted_stories", "delete_orphan_stories"):
        assert "articles" not in explaining.by_statement.get(name, {}), name
    # story_sources 1, the graph check 1, the declared links 3, the members 2, the story ids
    # written back 1 (before: 14, of which 5 for the declared links and 4 for the members).
    assert explaining.scans["articles"] <= 8, explaining.by_statement
    # The seeds, the seeds' neighbours, the deleted links and the member links, one scan each
    # (before: 6).
    assert explaining.scans["story_links"] <= 4, explaining.by_statement
    con.close()


_RELOAD_ONLY = ("delete_orphan_articles", "delete_orphan_signatures", "delete_orphan_versions",
                "insert_missing_versions", "restore_dropped_articles", "select_stale_signatures")


def test_a_first_load_skips_what_only_a_reload_needs(tmp_path: Path) -> None:
    """Each of these reads a whole stored table; a run's first load has nothing to undo."""
    runs = write_nights(tmp_path / "runs")
    con = connect(tmp_path / "news.duckdb")
    load_run(con, *runs[0])
    first = _Explaining(con)
    load_run(first, *runs[1])  # type: ignore[arg-type]
    assert not set(_RELOAD_ONLY) & set(first.ran), first.ran
    again = _Explaining(con)
    load_run(again, *runs[1])  # type: ignore[arg-type]
    assert set(_RELOAD_ONLY) <= set(again.ran), again.ran
    con.close()
