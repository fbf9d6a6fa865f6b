"""The DuckLake backend (issue 17) against a real PostgreSQL catalog (tests/support/pgcluster.py).

The same runs are loaded into the DuckDB file and into a DuckLake and every stored row compared;
reloads add nothing; past nights are read by run id; two ``python -m warehouse load`` processes
load one lake at once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from khabar.run.layout import RunFolder
from tests.support import ROOT
from tests.support.runs import art, counts, snapshot, words, write_run
from tests.support.stories import check_stories, story_graph_nights, variant
from warehouse import WarehouseError, connect
from warehouse.__main__ import main as cli
from warehouse.backend import LakeConfig, parse_warehouse
from warehouse.db import connect_lake, migrations
from warehouse.lake import lake_ddl, run_snapshots, write_lock
from warehouse.load import load_run, record_run_end, record_run_start, sync_outlets
from warehouse.validators import load_validators

# Views whose rows must match too (they join what the loads wrote).
VIEWS = ("latest_articles", "story_timeline", "story_outlets", "daily_counts")


def _rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    every = snapshot(con)
    for view in VIEWS:
        every[view] = sorted(map(repr, con.table(view).fetchall()))
    return every


# --- configuration (no PostgreSQL needed) -------------------------------------------------------


@pytest.mark.parametrize("value, catalog", [
    ("ducklake:postgres://k@127.0.0.1:5433/lake", "postgres://k@127.0.0.1:5433/lake"),
    ("ducklake:postgresql://k:pw@db/lake", "postgresql://k:pw@db/lake"),
    ("ducklake:postgres:host=db dbname=lake", "host=db dbname=lake"),
])
def test_warehouse_setting_accepts_what_users_type(value: str, catalog: str) -> None:
    found = parse_warehouse(value, "data")
    assert found == LakeConfig(catalog=catalog, data_path=str(Path("data").absolute()))
    assert found.attach_path == f"ducklake:postgres:{catalog}"
    assert "pw" not in found.describe()


def test_warehouse_setting_default_file_and_refusals() -> None:
    assert parse_warehouse(None) is None and parse_warehouse("  ") is None
    assert parse_warehouse("duckdb:/srv/news.duckdb") == Path("/srv/news.duckdb")
    for bad in ("ducklake:sqlite:x.db", "postgres://db/lake", "ducklake:postgres:", "duckdb:"):
        with pytest.raises(WarehouseError, match="KHABAR_WAREHOUSE"):
            parse_warehouse(bad)


def test_cli_refuses_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "KHABAR_WAREHOUSE": "ducklake:mysql:db=x"}
    done = subprocess.run([sys.executable, "-m", "warehouse", "info"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "KHABAR_WAREHOUSE" in done.stderr


def test_every_migration_has_a_lake_form_without_keys() -> None:
    banned = re.compile(r"PRIMARY\s+KEY|UNIQUE\s*\(|CREATE\s+(UNIQUE\s+)?INDEX|"
                        r"DEFAULT\s+current_timestamp", re.IGNORECASE)
    for migration in migrations():
        code = re.sub(r"--[^\n]*", "", migration.path.read_text(encoding="utf-8"))
        assert banned.search(lake_ddl(code)) is None, migration.name
    assert "id VARCHAR NOT NULL," in lake_ddl("CREATE TABLE t (\n    id VARCHAR PRIMARY KEY,\n")


# --- the lake, for real ------------------------------------------------------------------------


def test_same_nights_give_the_same_tables_on_both_backends(lake: LakeConfig, tmp_path: Path):
    nights = story_graph_nights(tmp_path / "runs")
    file_con = connect(tmp_path / "news.duckdb")
    lake_con = connect_lake(lake)
    try:
        for run_id, run_dir in nights:
            on_file = load_run(file_con, run_id, run_dir)
            on_lake = load_run(lake_con, run_id, run_dir)
            assert on_lake == on_file
            assert on_lake.replaced == on_file.replaced
        check_stories(lake_con)
        assert counts(lake_con) == counts(file_con)
        assert counts(lake_con)["stories"] < counts(lake_con)["articles"]  # stories did form
        assert _rows(lake_con) == _rows(file_con)
        # Reload idempotence on the lake: the last night again adds no row, changes none.
        before = _rows(lake_con)
        load_run(lake_con, *nights[-1])
        assert _rows(lake_con) == before
        dupes = lake_con.execute("select count(*) - count(distinct article_id) from articles")
        assert dupes.fetchone() == (0,)
    finally:
        file_con.close()
        lake_con.close()


def test_run_bookkeeping_outlets_validators_and_migrations_once(
    lake: LakeConfig, tmp_path: Path
) -> None:
    """The upserts (ON CONFLICT on the file before) and RETURNING, which DuckLake lacks."""
    outlet = SimpleNamespace(id="lebrief", name="LeBrief", home="https://lebrief.ma/",
                             country="MA", languages=["fr"], aggregator=False)
    run = RunFolder(tmp_path / "run")
    run.crawl_validators_file("lebrief").parent.mkdir(parents=True)
    feed = "https://lebrief.ma/feed/"

    def validators(etag: str, hour: int) -> Path:
        entry = {"etag": etag, "last_modified": None, "fetched_at": f"2026-03-01T0{hour}:00:00Z"}
        run.crawl_validators_file("lebrief").write_text(json.dumps({feed: entry}))
        return run.path

    with connect_lake(lake) as con:
        record_run_start(con, "r1", "nightly", {"outlets": ["lebrief"]})
        record_run_start(con, "r1", "nightly", {"outlets": ["lebrief"]})  # a restart
        record_run_end(con, "r1", "completed", {"articles": 3})
        assert con.execute("select run_id, status from crawl_runs").fetchall() == [
            ("r1", "completed")]
        with pytest.raises(KeyError, match="never started"):
            record_run_end(con, "r0", "completed", {})
        sync_outlets(con, [outlet])
        outlet.name = "Le Brief"
        sync_outlets(con, [outlet])
        assert con.execute("select id, name from outlets").fetchall() == [("lebrief", "Le Brief")]
        load_validators(con, "r1", validators('"v1"', 5))
        load_validators(con, "r2", validators('"v2"', 6))
        load_validators(con, "r0", validators('"v0"', 4))  # older: never overwrites
        assert con.execute("select url, etag, run_id from http_validators").fetchall() == [
            (feed, '"v2"', "r2")]
    with connect_lake(lake) as con:  # reopening migrates nothing
        assert con.execute("select count(*) from schema_migrations").fetchone() == (
            len(migrations()),)


def test_readers_time_travel_by_run_id(
    lake: LakeConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    nights = story_graph_nights(tmp_path / "runs")[:2]
    with connect_lake(lake) as con:
        for run_id, run_dir in nights:
            load_run(con, run_id, run_dir)
        after_r1 = [r for r in run_snapshots(con) if r["run_id"] == "r1"]
        latest = con.execute("select count(*) from articles").fetchone()[0]
    assert len(after_r1) == 1
    # What users type, a password included (trust auth ignores it; no output may show it).
    with_password = lake.catalog.replace("khabar@", "khabar:s3cret@")
    monkeypatch.setenv("KHABAR_WAREHOUSE", f"ducklake:{with_password}")
    monkeypatch.setenv("KHABAR_LAKE_DATA", str(lake.data_path))

    def run(*args: str, ok: bool = True) -> str:
        status = cli(list(args))
        out, err = capsys.readouterr()
        assert (status == 0) == ok, (args, err)
        assert "s3cret" not in out + err
        return out if ok else err

    listed = run("snapshots", "--format", "json")
    assert [json.loads(line)["run_id"] for line in listed.splitlines()] == ["r1", "r2"]
    assert "snapshot" in run("info")
    query = "select count(*) AS n from articles"
    assert run("sql", query, "--format", "csv").splitlines()[1] == str(latest)
    assert run("sql", query, "--format", "csv", "--at-run", "r1").splitlines()[1] == "3"
    # The same past night from plain SQL, one table at a time.
    version = after_r1[0]["snapshot_id"]
    worked = run("sql", f"select count(*) from articles AT (VERSION => {version})",
                 "--format", "csv")
    assert worked.splitlines()[1] == "3"
    hits = run("search", "ajout1", "--format", "json")
    assert any("a0-bis" in json.loads(line)["canonical_url"] for line in hits.splitlines())
    assert run("search", "ajout1", "--format", "json", "--at-run", "r1") == ""  # r2's article
    # The analyst session writes nothing, not even in the data folder it must read.
    for bad in ("delete from articles", f"copy articles to '{lake.data_path}/x.parquet'",
                "attach 'x.duckdb'", "select 1; drop table articles"):
        assert run("sql", bad, ok=False).startswith("error:"), bad
    assert not Path(lake.data_path, "x.parquet").exists()
    for command in ("publish", "reindex"):
        assert "DuckLake" in run(command, ok=False)
    with connect_lake(lake, read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchone() == (latest,)


def test_two_load_processes_at_once_both_land_without_duplicates(
    lake: LakeConfig, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    # Two workers' runs that share an article (a wire copy both outlets' crawls met) and
    # near-duplicates across them: the rows that two unserialised writers would duplicate.
    shared = art("mapexpress", "depeche", variant(5, 0))
    r1 = [shared, art("lebrief", "x", variant(5, 1)), art("lebrief", "y", words(20))]
    r2 = [shared, art("le360", "x", variant(5, 2)), art("le360", "z", words(21))]
    dirs = {"w1": write_run(runs, "w1", r1), "w2": write_run(runs, "w2", r2)}
    env = {**os.environ, "KHABAR_WAREHOUSE": f"ducklake:{lake.catalog}",
           "KHABAR_LAKE_DATA": str(lake.data_path), "KHABAR_DUCKDB_THREADS": "1"}
    # The lake exists before the race (a first open migrates it; workers find it made).
    connect_lake(lake).close()
    children = [subprocess.Popen([sys.executable, "-m", "warehouse", "load", str(d), "--json"],
                                 cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
                for d in dirs.values()]
    outcomes = [child.communicate(timeout=600) for child in children]
    for child, (out, err) in zip(children, outcomes, strict=True):
        assert child.returncode == 0, err
        assert json.loads(out.splitlines()[-1])["read_copy"] is None
    with connect_lake(lake, read_only=True) as con:
        order = [r["run_id"] for r in run_snapshots(con)]
        assert sorted(order) == ["w1", "w2"]
        # One after the other, in the order the lake committed them, into a DuckDB file.
        with connect(tmp_path / "serial.duckdb") as serial:
            for run_id in order:
                load_run(serial, run_id, dirs[run_id])
            assert counts(con) == counts(serial)
            assert _rows(con) == _rows(serial)
        assert con.execute("select count(*) - count(distinct article_id) "
                           "from articles").fetchone() == (0,)
    with connect_lake(lake) as con:  # check_stories rebuilds (and rolls back): a writer's
        check_stories(con)


def test_workers_creating_a_new_lake_at_once_all_open_it(lake: LakeConfig) -> None:
    env = {**os.environ, "KHABAR_WAREHOUSE": f"ducklake:{lake.catalog}",
           "KHABAR_LAKE_DATA": str(lake.data_path)}
    opens = [subprocess.Popen([sys.executable, "-c", "import warehouse; "
                               "warehouse.connect().close()"], cwd=ROOT, env=env,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for child in opens:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
    with connect_lake(lake, read_only=True) as con:
        assert con.execute("select count(*) from schema_migrations").fetchone() == (
            len(migrations()),)


# --- the throwaway cluster itself ---------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(
        f"/proc/{pid}/stat").read_text()


def test_cluster_runs_unprivileged_on_loopback_and_stops_when_its_owner_dies(
    pg_cluster, tmp_path: Path
) -> None:
    """A child process starts a cluster and is SIGKILLed: the server goes too (PR_SET_PDEATHSIG);
    the session's cluster runs as a non-root user, on 127.0.0.1, with its socket in its folder."""
    settings = duckdb.connect()
    from duckdb_extensions import import_extension

    import_extension("postgres", con=settings)
    settings.execute(f"ATTACH '{pg_cluster.dsn('postgres')}' AS pg (TYPE postgres, READ_ONLY)")
    shown = dict(settings.execute(
        "select * from postgres_query('pg', 'select name, setting from pg_settings where name "
        "in (''listen_addresses'', ''unix_socket_directories'')')").fetchall())
    settings.close()
    assert shown == {"listen_addresses": "127.0.0.1",
                     "unix_socket_directories": str(pg_cluster.root)}
    assert os.stat(f"/proc/{pg_cluster.pid}").st_uid != 0
    script = ("import sys, time; sys.path.insert(0, '.'); from tests.support.pgcluster import "
              "start_cluster; c = start_cluster(); print(c.pid, c.root, flush=True); "
              "time.sleep(600)")
    owner = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True)
    try:
        pid_text, root = owner.stdout.readline().split()
        pid = int(pid_text)
        assert _alive(pid)
    finally:
        owner.kill()
        owner.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)
    import shutil

    shutil.rmtree(root, ignore_errors=True)  # what the killed owner could not remove


def test_a_writer_waits_for_the_lake_write_lock_then_says_who_holds_it(lake: LakeConfig) -> None:
    first, second = connect_lake(lake), connect_lake(lake)
    try:
        with write_lock(first):
            started = time.monotonic()
            with pytest.raises(WarehouseError, match="write lock for 1 s"), write_lock(second, 1):
                pass
            assert time.monotonic() - started >= 0.9
        with write_lock(second, 1):  # released with the holder's transaction
            record_run_start(second, "r9", "nightly", {})
    finally:
        first.close()
        second.close()
