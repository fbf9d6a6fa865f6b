"""Two nights at once on one warehouse: whatever order their loads take the write lock in, the
tables are those of loading them in fetch order, with no repeated article version.

Night A fetched first, night B an hour later, mostly the same articles. Run at once, B's load
may well run first (its extraction finished first); A's fetch then becomes each article's first
version and B's, the same text, a second one: 15 such duplicates were seen on real nights.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import duckdb

from tests.scenarios.warehouse_faults import REPEATED_VERSIONS as REPEATS
from tests.support import ROOT
from tests.support.runs import T0, TABLES, art, snapshot, words, write_run
from warehouse import connect
from warehouse.load import load_run


def _nights(root: Path) -> tuple[Path, Path]:
    same = [art("lebrief", f"a{i}", words(i)) for i in range(6)]
    a_only = art("le360", "seulement-a", words(40))
    b_edit = art("lebrief", "a2", words(2) + " mise à jour", title="a2 corrigé")
    night_a = write_run(root, "A", [*same, a_only], fetched_at=T0)
    night_b = write_run(root, "B", [*same[:2], b_edit, *same[3:], art("hespress", "b", words(50))],
                        fetched_at=T0 + timedelta(hours=1))
    return night_a, night_b


def _reference(tmp_path: Path, night_a: Path, night_b: Path) -> dict:
    with connect(tmp_path / "reference.duckdb") as con:
        load_run(con, "A", night_a)
        load_run(con, "B", night_b)
        assert con.execute(REPEATS).fetchone() == (0,)
        return snapshot(con)


def test_later_night_loaded_first_gives_the_tables_of_fetch_order(tmp_path: Path) -> None:
    night_a, night_b = _nights(tmp_path / "runs")
    expected = _reference(tmp_path, night_a, night_b)
    with connect(tmp_path / "news.duckdb") as con:
        load_run(con, "B", night_b)
        load_run(con, "A", night_a)
        assert con.execute(REPEATS).fetchone() == (0,)
        assert snapshot(con) == expected
        versions = con.execute("select article_id, list(version order by seen_at) from "
                               "article_versions group by 1").fetchall()
        assert all(numbers == list(range(1, len(numbers) + 1)) for _, numbers in versions)
        # Reloading either night changes nothing.
        load_run(con, "B", night_b)
        load_run(con, "A", night_a)
        assert snapshot(con) == expected


def _load(db: Path, run_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "warehouse", "--db", str(db), "load",
                             str(run_dir)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _holds_lock(db: Path) -> bool:
    try:
        duckdb.connect(str(db), read_only=True).close()
    except duckdb.Error as exc:
        return "Conflicting lock" in str(exc)
    return False


def test_two_load_processes_at_once_never_duplicate(tmp_path: Path) -> None:
    night_a, night_b = _nights(tmp_path / "runs")
    expected = _reference(tmp_path, night_a, night_b)
    # Round 1: B's process takes the lock first, A's waits for it (the order that duplicated).
    # Round 2: both started together, whichever wins.
    for round_ in (1, 2):
        db = tmp_path / f"round{round_}" / "news.duckdb"
        connect(db).close()
        first = _load(db, night_b)
        if round_ == 1:
            deadline = time.monotonic() + 60
            while first.poll() is None and not _holds_lock(db) and time.monotonic() < deadline:
                time.sleep(0.02)
        second = _load(db, night_a)
        for proc in (first, second):
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
            assert "published" in out
        with connect(db, read_only=True) as con:
            assert con.execute(REPEATS).fetchone() == (0,)
            assert {t: rows for t, rows in snapshot(con).items() if t in TABLES} == expected
