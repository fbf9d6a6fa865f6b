"""Operating the DuckLake warehouse (issue 17): maintenance, and the memory limit on the lake.

Against a real PostgreSQL catalog (tests/support/pgcluster.py): many small nights leave many
small files;
``python -m warehouse maintain`` merges them, expires the snapshots past the retention and deletes
what no snapshot needs, under the lake's write lock, and every kept night reads as before.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.support import ROOT
from tests.support.runs import T0, art, snapshot, words, write_run
from warehouse import WarehouseError, connect
from warehouse.backend import LakeConfig
from warehouse.db import connect_lake, memory_limit_for
from warehouse.lake import snapshot_of_run, write_lock
from warehouse.lakemaint import (
    LakeRetention,
    Snapshot,
    footprint,
    maintain_lake,
    snapshots_to_expire,
)
from warehouse.lakeread import open_lake_reader
from warehouse.load import load_run

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
NIGHTS = 5
PER_NIGHT = 12  # past DuckLake's inlining limit for articles: each night writes Parquet files


# --- the retention (no PostgreSQL) --------------------------------------------------------------


def _snaps(*spec: tuple[int, float, str | None]) -> list[Snapshot]:
    return [Snapshot(sid, NOW - timedelta(days=age), run) for sid, age, run in spec]


def test_retention_keeps_the_last_nights_and_the_recent_days() -> None:
    snaps = _snaps((1, 40, None), (2, 30, "r1"), (3, 20, "r2"), (4, 19, "r2"), (5, 10, "r3"),
                   (6, 9, None), (7, 2, "r4"), (8, 1, None))
    # Two nights kept: r3 (snapshot 5) and r4; before 5, only what is older than 7 days goes.
    assert snapshots_to_expire(snaps, LakeRetention(keep_nights=2, keep_days=7), NOW) == (
        [1, 2, 3, 4], "r3")
    # A reloaded run counts once, at its latest load: r2's first load (3) goes with r1.
    assert snapshots_to_expire(snaps, LakeRetention(keep_nights=3, keep_days=0), NOW) == (
        [1, 2, 3], "r2")
    # Young snapshots stay whatever the nights say.
    assert snapshots_to_expire(snaps, LakeRetention(keep_nights=1, keep_days=15), NOW) == (
        [1, 2, 3, 4], "r4")
    # The current snapshot is never expired, even with no night loaded.
    lone = _snaps((1, 90, None), (2, 80, None))
    assert snapshots_to_expire(lone, LakeRetention(keep_nights=5, keep_days=0), NOW) == (
        [1], None)
    assert snapshots_to_expire([], LakeRetention(), NOW) == ([], None)


def test_retention_refuses_to_keep_no_night() -> None:
    with pytest.raises(WarehouseError, match="at least one night"):
        LakeRetention(keep_nights=0)
    with pytest.raises(WarehouseError, match="negative"):
        LakeRetention(grace_hours=-1)


# --- maintenance on a real lake ------------------------------------------------------------------


def _small_nights(con: duckdb.DuckDBPyConnection, runs: Path, nights: int) -> list[str]:
    ids = []
    for n in range(nights):
        run_id = f"night{n:02d}"
        pages = [art(("lebrief", "le360", "hespress")[k % 3], f"n{n}-{k}", words(100 * n + k))
                 for k in range(PER_NIGHT)]
        load_run(con, run_id, write_run(runs, run_id, pages, fetched_at=T0 + timedelta(days=n)))
        ids.append(run_id)
    return ids


def _at(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[int, int, int]:
    version = snapshot_of_run(con, run_id)
    return tuple(con.execute(
        f"select (select count(*) from articles at (version => {version})), "
        f"(select count(*) from pages at (version => {version})), "
        f"(select count(*) from story_keys at (version => {version}))").fetchone())


def _env(lake: LakeConfig) -> dict[str, str]:
    return {**os.environ, "KHABAR_WAREHOUSE": f"ducklake:{lake.catalog}",
            "KHABAR_LAKE_DATA": str(lake.data_path)}


@pytest.mark.integration
def test_maintenance_merges_small_nights_and_keeps_what_time_travel_needs(
        tmp_path: Path, lake: LakeConfig) -> None:
    with connect_lake(lake) as con:
        ids = _small_nights(con, tmp_path / "runs", NIGHTS)
        kept = ids[-2:]
        past = {run_id: _at(con, run_id) for run_id in kept}
        rows = snapshot(con)
        before = footprint(con)
    assert before.files >= 2 * NIGHTS  # several small files per night

    done = subprocess.run(
        [sys.executable, "-m", "warehouse", "maintain", "--keep-nights", "2", "--keep-days",
         "0", "--grace-hours", "0"], cwd=ROOT, env=_env(lake), capture_output=True, text=True,
        timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    line = done.stdout.strip().splitlines()[-1]
    files = re.search(r"data files (\d+) -> (\d+)", line)
    assert files and int(files[1]) == before.files and int(files[2]) < before.files / 2, line
    assert f"reaches back to {kept[0]}" in line and "snapshots expired" in line

    with connect_lake(lake) as con:
        after = footprint(con)
        assert after.files == int(files[2]) and after.bytes < before.bytes
        assert snapshot(con) == rows  # the lake now: row for row
        assert {run_id: _at(con, run_id) for run_id in kept} == past  # kept nights: as before
        with pytest.raises(WarehouseError, match="expired"):
            snapshot_of_run(con, ids[0])
        # A reload after maintenance still replaces, never duplicates.
        load_run(con, ids[-1], tmp_path / "runs" / ids[-1])
        assert snapshot(con) == rows
        # The same retention again: both nights are still the last two, nothing expires, and
        # the lake reads the same.
        again = maintain_lake(con, LakeRetention(keep_nights=2, keep_days=0, grace_hours=0))
        assert again.expired == [] and snapshot(con) == rows
        assert {run_id: _at(con, run_id) for run_id in kept[:1]} == {kept[0]: past[kept[0]]}


@pytest.mark.integration
def test_maintenance_waits_for_a_load_holding_the_write_lock(
        tmp_path: Path, lake: LakeConfig) -> None:
    with connect_lake(lake) as con:
        _small_nights(con, tmp_path / "runs", 1)
    finished: list[float] = []
    connected = threading.Event()

    def maintain() -> None:
        with connect_lake(lake) as other:
            connected.set()
            maintain_lake(other, LakeRetention(grace_hours=0))
        finished.append(time.monotonic())

    with connect_lake(lake) as holder, write_lock(holder):
        worker = threading.Thread(target=maintain)
        worker.start()
        assert connected.wait(300)
        worker.join(8)  # unlocked, this maintenance took ~1 s of CPU (bench.lakemaint)
        assert worker.is_alive() and not finished  # waiting for the lock, not merging
        released = time.monotonic()
    worker.join(300)
    assert finished and finished[0] >= released


# --- the memory limit on the lake ----------------------------------------------------------------


def _memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_setting('memory_limit')").fetchone()[0]


def _as_duckdb_shows(limit: str) -> str:
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{limit}'")
        return _memory_limit(con)


@pytest.mark.integration
def test_lake_connections_fit_their_memory_limit_to_the_lakes_articles(
        lake: LakeConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KHABAR_DUCKDB_MEMORY", raising=False)
    stored = 40_000  # 256 MB + 10 MB
    with connect_lake(lake) as con:
        assert _memory_limit(con) == _as_duckdb_shows("256MB")
        con.execute(
            "insert into articles (article_id, outlet, canonical_url, url, first_seen, "
            "last_seen, run_id) select 'a' || i, 'lebrief', 'https://x.ma/' || i, "
            "'https://x.ma/' || i, now(), now(), 'bulk' from range(?) t(i)", [stored])
    wanted = _as_duckdb_shows(memory_limit_for(stored))
    assert wanted != _as_duckdb_shows("256MB")
    with connect_lake(lake) as con:
        assert _memory_limit(con) == wanted
    with open_lake_reader(lake) as con:
        assert _memory_limit(con) == wanted
    monkeypatch.setenv("KHABAR_DUCKDB_MEMORY", "300MB")  # the person's choice wins
    with connect_lake(lake) as con:
        assert _memory_limit(con) == _as_duckdb_shows("300MB")


def test_maintain_on_the_duckdb_file_checkpoints(tmp_path: Path, capsys, monkeypatch) -> None:
    from warehouse.__main__ import main as cli

    monkeypatch.delenv("KHABAR_WAREHOUSE", raising=False)
    db = tmp_path / "news.duckdb"
    connect(db).close()  # a missing file is refused (tests/warehouse/test_main.py)
    assert cli(["--db", str(db), "maintain"]) == 0
    assert "checkpointed" in capsys.readouterr().out and db.is_file()
