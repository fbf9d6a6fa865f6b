"""One night fanned out over the workers of the ``khabar`` pool, all loading one DuckLake.

The parent flow (deployment ``nightly-fanout``) starts one ``nightly-shard`` flow run per group
of outlets (``per_run`` outlets each, default one) and waits for them: each shard is a whole
night for its outlets (crawl, extract, load, check, report) on whichever worker picks it, with
its own run id and run folder under ``runs_dir`` (a path every worker mounts). The shards load
the DuckLake ``KHABAR_WAREHOUSE`` names at the same time; only each load's transaction is
serial (the lake's PostgreSQL write lock), not the ``warehouse-writes`` limit, which is for the
single DuckDB file.

Nothing a shard needs lives on another worker's disk: the crawl state it starts from (seen
URLs, HTTP validators, outlet bookkeeping) is read from the warehouse by ``prepare_run``, and
its run folder is its own. A shard whose worker died is reported as not finished; the next
night crawls its outlets again from what the lake holds (nothing of the lost run was loaded).
A shard Prefect reports ``Crashed`` or ``Cancelled`` (its flow-run process exited, or, with
flow-run heartbeats and the zombie automation of docs/lake.md, its machine went silent) has its
run closed as ``abandoned`` at once (``pipeline.recovery.close_runs_of_lost_flow_runs``),
rather than after 48 hours.

    python -m flows.fanout --snapshot --runs-dir /mnt/khabar/runs   # against PREFECT_API_URL
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Annotated, Any, cast
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.states import Completed, Failed, State
from pydantic import Field

import warehouse
from pipeline.night import resolve_outlets
from pipeline.recovery import close_runs_of_lost_flow_runs
from warehouse.backend import configured_lake

__all__ = ["fanout", "main", "shards"]

SHARD_DEPLOYMENT = "nightly/nightly-shard"
# Final states of a shard whose process is certainly gone (Prefect state names).
LOST_STATES = ("Crashed", "Cancelled")


def shards(outlets: list[str], per_run: int) -> list[list[str]]:
    """The outlets in groups of ``per_run``, in registry order."""
    return [outlets[i:i + per_run] for i in range(0, len(outlets), per_run)]


@flow(name="nightly-fanout", log_prints=True)
def fanout(
    outlets: list[str] | None = None,
    snapshot: bool = False,
    runs_dir: str | None = None,
    per_run: Annotated[int, Field(ge=1, le=500)] = 1,
    extract_workers: Annotated[int, Field(ge=0, le=256)] | None = 1,
    shard_parameters: dict[str, Any] | None = None,
    timeout_seconds: Annotated[float, Field(gt=0)] = 6 * 3600,
) -> State:
    """Start one ``nightly-shard`` flow run per group of outlets and wait for all of them.

    Args:
        outlets: outlet ids (default: all, or the snapshot's).
        snapshot: crawl the bundled offline snapshot instead of the live web.
        runs_dir: run folders, on storage every worker mounts (default: each worker's
            ``$KHABAR_RUNS_DIR``).
        per_run: outlets per shard flow run.
        extract_workers: extraction processes per shard (1: a worker runs several shards).
        shard_parameters: more parameters of every shard (``crawl_settings``, ``quality``).
        timeout_seconds: a shard not finished by then (its worker died) is reported lost.

    Returns ``Completed`` when every shard loaded (Completed or Warned), else ``Failed`` with
    one line naming the shards that did not, and their outlets.
    """
    logger = get_run_logger()
    if configured_lake() is None:
        line = ("a fanned-out night needs the DuckLake: set KHABAR_WAREHOUSE=ducklake:… "
                "(the single DuckDB file has one writer; use the nightly deployment)")
        return Failed(message=line, data={"error": line})
    ids = [o.id for o in resolve_outlets(outlets, snapshot)]
    started: dict[str, list[str]] = {}
    for group in shards(ids, per_run):
        params: dict[str, Any] = {**(shard_parameters or {}), "snapshot": snapshot,
                                  "scope": {"outlets": group},
                                  "extract_workers": extract_workers}
        if runs_dir:
            params["runs_dir"] = runs_dir
        # called from a sync flow, run_deployment runs to completion and returns the FlowRun
        run = cast(FlowRun, run_deployment(SHARD_DEPLOYMENT, parameters=params, timeout=0,
                                           flow_run_name=f"shard-{'+'.join(group)}"[:100]))
        started[str(run.id)] = group
        logger.info("shard %s: %s", run.id, ", ".join(group))
    finals = _wait(started, timeout_seconds)
    _close_lost([fid for fid, name in finals.items() if name in LOST_STATES], logger)
    rows = [{"flow_run": fid, "outlets": started[fid], "state": name}
            for fid, name in finals.items()]
    bad = [r for r in rows if r["state"] not in ("Completed", "Warned")]
    if bad:
        return Failed(message="; ".join(f"{','.join(r['outlets'])}: {r['state']}" for r in bad),
                      data={"shards": rows})
    return Completed(message=f"{len(rows)} shards loaded", data={"shards": rows})


def _close_lost(flow_runs: list[str], logger: Any) -> None:
    """Close the warehouse runs of shards whose process is gone (the next night need not wait
    48 hours for them); a warehouse that cannot be reached only costs that wait."""
    if not flow_runs:
        return
    try:
        with warehouse.connect() as con:
            closed = close_runs_of_lost_flow_runs(con, flow_runs)
    except warehouse.WarehouseError as exc:
        logger.warning("could not close the runs of lost shards %s: %s", flow_runs, exc)
        return
    for run_id in closed:
        logger.warning("run %s of a lost shard marked abandoned: the next night redoes its "
                       "outlets", run_id)


def _wait(started: dict[str, list[str]], timeout: float) -> dict[str, str]:
    """Each shard's final state name, or ``not finished (RUNNING)`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    finals: dict[str, str] = {}
    with get_client(sync_client=True) as client:
        while True:
            for fid in started:
                if fid in finals:
                    continue
                state = client.read_flow_run(UUID(fid)).state
                if state is not None and state.is_final():
                    finals[fid] = state.name or state.type.value
            if len(finals) == len(started) or time.monotonic() > deadline:
                break
            time.sleep(2)
        for fid in started:
            if fid not in finals:
                state = client.read_flow_run(UUID(fid)).state
                finals[fid] = f"not finished ({state.type.value if state else 'no state'})"
    return {fid: finals[fid] for fid in started}


def main(argv: list[str] | None = None) -> int:
    """Run the parent flow once in this process against ``PREFECT_API_URL`` (the shards run
    on the pool's workers). Exit 0 when every shard loaded, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="fanout", description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", action="store_true")
    parser.add_argument("--outlets", help="comma-separated outlet ids (default: all)")
    parser.add_argument("--runs-dir", help="run folders on shared storage")
    parser.add_argument("--per-run", type=int, default=1, help="outlets per shard")
    parser.add_argument("--timeout", type=float, default=6 * 3600, help="seconds")
    args = parser.parse_args(argv)
    state = fanout(outlets=args.outlets.split(",") if args.outlets else None,
                   snapshot=args.snapshot, runs_dir=args.runs_dir, per_run=args.per_run,
                   timeout_seconds=args.timeout, return_state=True)
    print(f"{state.name}: {state.message}")
    return 0 if state.is_completed() else 1


if __name__ == "__main__":
    sys.exit(main())
