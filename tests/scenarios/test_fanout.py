"""Integration (slow, ``make reliability``): one night fanned out over two Prefect workers, all
shards loading one DuckLake.

A real ``prefect server`` on loopback with the deployments of prefect.yaml, two ``prefect worker
start`` processes (each with its own working folder and temp folder), the throwaway PostgreSQL
of tests/support/pgcluster.py holding the lake's catalog, the bundled snapshot as the crawl
target, and ``python -m flows.fanout`` starting one ``nightly-shard`` flow run per outlet. Run
folders go to one ``runs`` folder both workers see (the shared mount of a real deployment).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.support.prefectserver import Fleet, prefect_client

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("KHABAR_SLOW_TESTS"),
                       reason="~5.5 min; `make reliability` runs it (KHABAR_SLOW_TESTS=1)"),
]

OUTLETS = ["lebrief", "lepetitjournalmarocain", "maghress_fr"]


def _shards(out: str) -> dict[str, str]:
    """flow run id -> outlet, from the parent's ``shard ID: outlet`` lines."""
    found = {}
    for line in out.splitlines():
        if "shard " in line and ": " in line.split("shard ", 1)[1]:
            fid, outlet = line.split("shard ", 1)[1].split(": ", 1)
            found[fid.strip()] = outlet.strip()
    return found


def _kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL a worker and every process under it (its flow run, their crawls), by PID."""
    import psutil

    tree = [psutil.Process(proc.pid)]
    tree += tree[0].children(recursive=True)
    for each in tree:
        try:
            os.kill(each.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def _lake_counts(lake) -> dict[str, object]:
    from warehouse.lakeread import open_lake_reader

    with open_lake_reader(lake) as con:
        def one(sql: str) -> object:
            return con.execute(sql).fetchone()[0]
        return {
            "articles": one("select count(*) from articles"),
            "article_ids": one("select count(distinct article_id) from articles"),
            "urls": one("select count(distinct url) from articles"),
            "per_outlet": dict(con.execute(
                "select outlet, count(*) from articles group by all order by 1").fetchall()),
            "story_rows": one("select count(*) from (select * from stories)"),
            "story_ids": one("select count(distinct story_id) from stories"),
            "runs": dict(con.execute("select status, count(*) from crawl_runs group by all")
                         .fetchall()),
        }


def test_two_workers_load_one_lake_then_survive_a_killed_worker(tmp_path, pg_cluster):
    from warehouse.backend import LakeConfig

    pg_cluster.create_database("lake_fanout_clean")
    clean = LakeConfig(catalog=pg_cluster.url("lake_fanout_clean"),
                       data_path=str(tmp_path / "clean-data"))
    fleet = Fleet(tmp_path / "clean", clean)
    (tmp_path / "clean").mkdir()
    try:
        fleet.start()
        fleet.worker("a")
        fleet.worker("b")
        parent = fleet.fanout(tmp_path / "shared-runs", 600, OUTLETS)
        out, _ = parent.communicate(timeout=900)
        assert parent.returncode == 0, out[-4000:]
        shards = _shards(out)
        assert sorted(shards.values()) == OUTLETS, out[-2000:]
        took = {name: [f for f in shards if f in fleet.log(name)] for name in ("a", "b")}
        assert all(took.values()), took  # both workers ran shards
        with prefect_client(fleet.server) as client:
            runs = [client.read_flow_run(f) for f in shards]
        assert all(r.state.is_completed() for r in runs), [r.state for r in runs]
        # the shards ran at the same time on the two workers, and only the lake's write lock
        # serialised their loads (the warehouse-writes limit is the DuckDB file's)
        assert sorted(r.start_time for r in runs)[1] < max(r.end_time for r in runs)
        assert not any("warehouse-writes: acquired" in fleet.log(n) for n in ("a", "b"))
    finally:
        fleet.stop()
    base = _lake_counts(clean)
    assert base["articles"] == base["article_ids"] == base["urls"] > 0, base
    assert set(base["per_outlet"]) == set(OUTLETS), base
    assert base["story_rows"] == base["story_ids"], base
    assert base["runs"] == {"completed": 3}, base
    print("clean fan-out:", base)

    # A second fleet on a new lake: worker b is SIGKILLed (its process group: the worker and
    # the flow run it started) once it runs a shard; worker a carries on.
    pg_cluster.create_database("lake_fanout_killed")
    killed_lake = LakeConfig(catalog=pg_cluster.url("lake_fanout_killed"),
                             data_path=str(tmp_path / "killed-data"))
    (tmp_path / "killed").mkdir()
    fleet = Fleet(tmp_path / "killed", killed_lake)
    try:
        fleet.start()
        b = fleet.worker("b")
        parent = fleet.fanout(tmp_path / "shared-runs-2", 180, OUTLETS)
        runs2 = tmp_path / "shared-runs-2"
        deadline = time.monotonic() + 180
        while not (runs2.is_dir() and any(runs2.iterdir())):  # b's shard made its run folder
            assert time.monotonic() < deadline, fleet.log("b")[-3000:]
            time.sleep(0.2)
        time.sleep(2)  # its crawl is under way
        _kill_tree(b)
        fleet.worker("a")
        out, _ = parent.communicate(timeout=900)
        assert parent.returncode == 1, out[-4000:]  # the killed shard is reported
        assert "not finished" in out, out[-2000:]
        after_kill = _lake_counts(killed_lake)
        assert after_kill["runs"].get("completed") == 2, after_kill  # the rest of the night
        assert after_kill["articles"] == after_kill["article_ids"], after_kill

        # The next night, on both workers, finishes every outlet.
        fleet.worker("c")
        parent = fleet.fanout(tmp_path / "shared-runs-2", 600, OUTLETS)
        out, _ = parent.communicate(timeout=900)
        assert parent.returncode == 0, out[-4000:]
    finally:
        fleet.stop()
    after = _lake_counts(killed_lake)
    print("killed, then next night:", after)
    # 0 lost, 0 duplicated: the same articles and stories as the clean night
    assert after["per_outlet"] == base["per_outlet"], (after, base)
    assert after["articles"] == after["article_ids"] == after["urls"] == base["articles"]
    assert after["story_rows"] == after["story_ids"] == base["story_ids"], (after, base)
