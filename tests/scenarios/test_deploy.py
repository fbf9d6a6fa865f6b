"""Integration: a real Prefect server on loopback, the deployments of prefect.yaml, a process
worker running ``nightly`` on the snapshot, checked through the API.

Also the scale-out set-up of docs/orchestration.md: two process workers take two
``nightly-shard`` runs for different outlets at the same time while the ``warehouse-writes``
global concurrency limit keeps their warehouse writes one at a time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.prefectserver import (
    PREFECT,
    PrefectServer,
    WebhookReceiver,
    prefect_client,
    stop_process,
)

pytestmark = pytest.mark.integration

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if shutil.which("prefect", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("prefect CLI not installed in this environment")
    tmp = tmp_path_factory.mktemp("deploy")
    srv = PrefectServer(tmp)
    try:
        srv.startup_seconds = srv.start()
        began = time.monotonic()
        # `prefect work-pool create khabar --type process` and `prefect gcl create
        # warehouse-writes --limit 1`, through the API (each CLI call costs a Prefect import).
        from prefect.client.schemas.actions import (
            GlobalConcurrencyLimitCreate,
            WorkPoolCreate,
        )
        from prefect.workers.process import ProcessWorker

        template = ProcessWorker.get_default_base_job_template()
        with prefect_client(srv) as client:
            client.create_work_pool(WorkPoolCreate(name="khabar", type="process",
                                                   base_job_template=template))
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name="warehouse-writes", limit=1))
        srv.cli("--no-prompt", "deploy", "--all")
        srv.deploy_seconds = time.monotonic() - began
        yield srv
    finally:
        srv.stop()


def _run_id(output: str) -> str:
    for line in output.splitlines():
        if "UUID:" in line:
            return line.split("UUID:")[1].strip()
    raise AssertionError(f"no flow run id in: {output}")


def _wait(proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_process(proc)
        raise AssertionError(f"worker still running after {timeout} s:\n"
                             + log.read_text(errors="replace")[-3000:]) from None


@pytest.fixture(scope="module")
def first_night(server):
    """The ``nightly`` deployment run once on the snapshot through a process worker."""
    db = server.tmp / "news.duckdb"
    params = {"snapshot": True, "db_path": str(db), "runs_dir": str(server.tmp / "runs")}
    out = server.cli("deployment", "run", "nightly/nightly", "--params", json.dumps(params))
    flow_run_id = _run_id(out)
    log = server.tmp / "worker.log"
    started = time.monotonic()
    _wait(server.worker("solo", log), log)
    return {"db": db, "params": params, "flow_run_id": flow_run_id, "log": log,
            "seconds": time.monotonic() - started}


def test_nightly_deployment_runs_through_a_worker(server, first_night):
    db, flow_run_id, log = first_night["db"], first_night["flow_run_id"], first_night["log"]
    worker_seconds = first_night["seconds"]

    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with prefect_client(server) as client:
        flow_run = client.read_flow_run(flow_run_id)
        assert flow_run.state.is_completed(), (flow_run.state, log.read_text()[-3000:])
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run.id])))
        deployment = client.read_deployment_by_name("nightly/nightly")
    keys = {a.key for a in artifacts}
    assert {"nightly-outlets", "nightly-summary", "nightly-quality", "nightly-progress",
            "nightly-trends", "nightly-trends-chart"} <= keys
    table = next(a.data for a in artifacts if a.key == "nightly-outlets")
    rows = json.loads(table) if isinstance(table, str) else table
    assert sum(r["new"] for r in rows) > 0
    assert db.exists()

    schedule = deployment.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("30 2 * * *", "Africa/Casablanca")
    assert deployment.global_concurrency_limit.limit == 1
    assert deployment.work_pool_name == "khabar"
    print(f"server healthy after {server.startup_seconds:.1f} s, pool+gcl+deploy "
          f"{server.deploy_seconds:.1f} s, worker run {worker_seconds:.1f} s")


def test_a_warned_night_is_not_green_and_notifies_the_webhook(server, first_night):
    """The set-up script creates the webhook block and the automation; the next night, through
    the same deployment and a worker, has nothing new and (with the thresholds of a first week:
    one night of history, one night without news) ends Warned. The run is listed FAILED by
    `prefect flow-run ls`, and the server POSTs the notification to a receiver on loopback."""
    receiver = WebhookReceiver().start()
    try:
        setup = subprocess.run([sys.executable, "-m", "flows.alerts", "--webhook", receiver.url],
                               cwd=ROOT, env=server.env, capture_output=True, text=True,
                               timeout=120, check=False)
        assert setup.returncode == 0, setup.stderr
        assert "khabar-night-needs-a-look" in setup.stdout
        again = subprocess.run([sys.executable, "-m", "flows.alerts", "--webhook", receiver.url],
                               cwd=ROOT, env=server.env, capture_output=True, text=True,
                               timeout=120, check=False)
        assert again.returncode == 0, again.stderr  # running the set-up twice is safe
        with prefect_client(server) as client:
            made = client.read_automations_by_name("khabar-night-needs-a-look")
            block = client.read_block_document_by_name("khabar-alerts", "custom-webhook")
        assert len(made) == 1 and made[0].enabled
        assert made[0].actions[0].block_document_id == block.id

        params = {**first_night["params"],
                  "quality": {"min_history": 1, "zero_new_nights": 1}}
        out = server.cli("deployment", "run", "nightly/nightly", "--params", json.dumps(params))
        flow_run_id = _run_id(out)
        log = server.tmp / "worker-warned.log"
        _wait(server.worker("warned", log), log)
        with prefect_client(server) as client:
            state = client.read_flow_run(flow_run_id).state
        assert (state.type.value, state.name) == ("FAILED", "Warned"), (
            state, log.read_text()[-3000:])
        listed = subprocess.run([*PREFECT, "flow-run", "ls", "--flow-name", "nightly"],
                                cwd=ROOT, env={**server.env, "COLUMNS": "200"},
                                capture_output=True, text=True, timeout=120, check=True).stdout
        assert any(flow_run_id in line and "FAILED" in line
                   for line in listed.splitlines()), listed

        deadline = time.monotonic() + 90
        while not receiver.bodies and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(receiver.bodies) == 1, receiver.bodies
        note = json.loads(receiver.bodies[0])
        assert note["source"] == "khabar"
        assert "nightly" in note["subject"] and "Warned" in note["subject"], note
        assert "no new articles for 1 nights in a row" in note["body"], note
    finally:
        receiver.stop()


@pytest.mark.skipif(not os.environ.get("KHABAR_SLOW_TESTS"),
                    reason="~2 min more; set KHABAR_SLOW_TESTS=1 to run the scale-out demo")
def test_two_workers_share_outlets_with_serialised_writes(server):
    db = server.tmp / "shards.duckdb"
    run_ids = []
    for outlets in (["lebrief"], ["lepetitjournalmarocain", "maghress_fr"]):
        params = {"snapshot": True, "db_path": str(db), "runs_dir": str(server.tmp / "runs"),
                  "scope": {"outlets": outlets}, "extract_workers": 1}
        out = server.cli("deployment", "run", "nightly/nightly-shard",
                         "--params", json.dumps(params))
        run_ids.append(_run_id(out))
    logs = [server.tmp / "worker-a.log", server.tmp / "worker-b.log"]
    workers = [server.worker(name, log) for name, log in zip(("a", "b"), logs, strict=True)]
    for proc, log in zip(workers, logs, strict=True):
        _wait(proc, log)

    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with prefect_client(server) as client:
        runs = [client.read_flow_run(r) for r in run_ids]
        logs_read = client.read_logs(log_filter=LogFilter(
            flow_run_id=LogFilterFlowRunId(any_=[r.id for r in runs])))
    assert all(r.state.is_completed() for r in runs), [r.state for r in runs]
    # Each worker took one run (they ran on two workers, at the same time).
    took = [[rid for rid in run_ids if rid in log.read_text(errors="replace")] for log in logs]
    assert sorted(len(t) for t in took) == [1, 1] and took[0] != took[1], took
    # The flows overlapped, but their warehouse writes did not.
    assert max(r.start_time for r in runs) < min(r.end_time for r in runs)
    slot = [(log.timestamp, log.message.split(": ")[-1]) for log in logs_read
            if log.message.startswith("warehouse-writes: ")]
    events = [what for _, what in sorted(slot)]
    # prepare-run, load, summarise, report, publish: 5 holdings per run, never two at once
    assert events == ["acquired", "released"] * 10, events
