"""A dead worker's shard (issue 17): its run is closed when Prefect reports its flow run lost.

A shard run on another machine stays ``running`` in ``crawl_runs`` until a night on its host sees
its process gone, or 48 hours pass. When the orchestrator knows sooner (the flow run ended
``Crashed`` or ``Cancelled``: its process exited, or its heartbeats stopped), the fan-out parent
closes the run at once, on the lake, under its write lock; other runs are left alone.
"""

from __future__ import annotations

import pytest

from flows.fanout import LOST_STATES
from pipeline.recovery import FLOW_RUN_KEY, close_abandoned_runs, close_runs_of_lost_flow_runs
from warehouse.backend import LakeConfig
from warehouse.db import connect_lake
from warehouse.load import record_run_start

ELSEWHERE = {"host": "another-machine.invalid", "pid": 4242}


def _statuses(con) -> dict[str, str]:
    return dict(con.execute("select run_id, status from crawl_runs").fetchall())


@pytest.mark.integration
def test_a_crashed_shards_run_is_closed_now_not_after_48_hours(lake: LakeConfig) -> None:
    with connect_lake(lake) as con:
        for run_id, flow_run in (("dead", "fr-dead"), ("alive", "fr-alive"), ("manual", None)):
            params = {"process": ELSEWHERE}
            if flow_run:
                params[FLOW_RUN_KEY] = flow_run
            record_run_start(con, run_id, "nightly", params)
        # The baseline: the next night cannot tell another host's process is gone.
        assert close_abandoned_runs(con, "tonight") == []
        assert set(_statuses(con).values()) == {"running"}

        assert close_runs_of_lost_flow_runs(con, ["fr-dead", "fr-never-recorded"]) == ["dead"]
        assert _statuses(con) == {"dead": "abandoned", "alive": "running", "manual": "running"}
        # Again (the parent retried): nothing more, nothing reopened.
        assert close_runs_of_lost_flow_runs(con, ["fr-dead"]) == []
        assert close_runs_of_lost_flow_runs(con, []) == []
        assert _statuses(con)["dead"] == "abandoned"


def test_the_parent_treats_crashed_and_cancelled_shards_as_lost() -> None:
    from prefect.states import Cancelled, Completed, Crashed, Failed

    assert Crashed().name in LOST_STATES and Cancelled().name in LOST_STATES
    # A failed shard closed its own run (its night ended); a completed one loaded.
    assert Failed().name not in LOST_STATES and Completed().name not in LOST_STATES


@pytest.mark.integration
def test_a_nightly_flow_run_records_its_prefect_flow_run_id(prefect_harness, tmp_path,
                                                            monkeypatch) -> None:
    """What the parent matches a lost shard's run by: ``parameters.flow_run`` of its run."""
    import json

    from flows.nightly import nightly
    from pipeline.params import CrawlScope
    from warehouse import connect

    monkeypatch.delenv("KHABAR_WAREHOUSE", raising=False)
    db = tmp_path / "news.duckdb"
    state = nightly(scope=CrawlScope(outlets=["lebrief"], max_pages=4), snapshot=True,
                    db_path=str(db), runs_dir=str(tmp_path / "runs"), extract_workers=0,
                    return_state=True)
    with connect(db, read_only=True) as con:
        (parameters,) = con.execute("select parameters from crawl_runs").fetchone()
    recorded = json.loads(parameters) if isinstance(parameters, str) else parameters
    assert recorded[FLOW_RUN_KEY] == str(state.state_details.flow_run_id)
