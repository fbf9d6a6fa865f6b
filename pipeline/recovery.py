"""What earlier nights left undone, turned into tonight's crawl state (plain functions).

* **Failed fetches are retried.** A fetch that failed (5xx, 429, timeout, reset, truncated body,
  a bot challenge, an unparseable feed) leaves no article, and tomorrow nothing may list the URL
  again: the feed answers 304, the listing stops at its first page of known articles. From the
  warehouse's record of every outcome (``warehouse.retries.failed_fetches``) each outlet gets:
  a retry file of article URLs the crawl requests again whatever the sources say, and
  ``rediscover`` (read every source whole: no conditional GET, every child sitemap, listings to
  their last page) when a discovery URL failed on the outlet's last night. A URL failing
  ``max_nights`` nights in a row is given up: logged and counted in the run record, no longer
  listed. Which failures count and when to give up is the retry policy (``khabar.retry``).
* **Killed runs are closed.** A run whose process died (SIGKILL, a lost machine) never reaches
  its report and stays ``running`` in ``crawl_runs``; the next run marks it ``abandoned``. Its
  files were never loaded (a load is one transaction), so the next crawl simply redoes its work.
  A run on another host cannot be checked from here: it counts as gone after
  ``STALE_AFTER_SECONDS``, unless the orchestrator says sooner that its flow run crashed
  (``close_runs_of_lost_flow_runs``: the fan-out parent does, from Prefect's state).

Files written per outlet under the run folder (names and formats: ``khabar.run.state``): the
seen, known, validators, retry and recheck files (stored articles due for a re-check:
``warehouse.rechecks``) and, for people and the run report, the retry plan.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from khabar.retry import GONE_RECHECK_DAYS, MAX_RETRY_NIGHTS, RetryPlan, retry_plan
from khabar.run import state
from khabar.run.layout import RunFolder
from registry import Outlet
from warehouse import load as loader
from warehouse import rechecks, retries, validators
from warehouse.lake import write_lock

# A run row left ``running`` by a process this host cannot check (another machine, or no
# process recorded) counts as abandoned after this long: no night runs for two days.
STALE_AFTER_SECONDS = 48 * 3600
# The run record's parameter naming the orchestrator's flow run that ran it (a Prefect flow run
# id, set by flows.nightly), so that a flow run known to have crashed closes its run at once.
FLOW_RUN_KEY = "flow_run"


def write_crawl_state(con: duckdb.DuckDBPyConnection, run_dir: Path, outlet: Outlet,
                      max_nights: int = MAX_RETRY_NIGHTS,
                      gone_recheck_days: int = GONE_RECHECK_DAYS,
                      ) -> tuple[dict[str, Any], RetryPlan]:
    """Write one outlet's incremental state for its crawl, from the warehouse.

    The seen file holds the stored articles' URLs and those that answered 404/410 within
    ``gone_recheck_days`` (``warehouse.retries.gone_urls``): neither is requested again.

    Returns:
        The crawl's arguments (``khabar.run.crawlargs.CrawlArgs`` fields: ``seen_file``,
        ``known_file``, ``validators_file``, ``retry_file``, ``recheck_file`` and
        ``rediscover``), and the plan.
    """
    plan = retry_plan(outlet, retries.failed_fetches(con, outlet.id), max_nights)
    gone = retries.gone_urls(con, outlet.id, gone_recheck_days)
    plan.gone = len(gone)
    # A URL to retry may sit in the seen set (a bot challenge page extracted as a non-article).
    seen = sorted({url for url in [*loader.known_urls(con, outlet.id), *gone]
                   if url not in plan.retry})
    folder = RunFolder(run_dir)
    kwargs: dict[str, Any] = state.write_crawl_state(
        folder, outlet.id, seen=seen, known=validators.known_fetches(con, outlet.id),
        validators=validators.validators_for(con, outlet.id), retry=plan.retry,
        # Edits after publication: stored articles due for a conditional re-check tonight.
        recheck=rechecks.due_rechecks(con, outlet.id, datetime.now(UTC)))
    state.write_plan(folder, outlet.id, {**asdict(plan), "rediscover": plan.rediscover})
    if plan.rediscover:
        kwargs["rediscover"] = True
    return kwargs, plan


def read_plans(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Per outlet, the counts of its retry plan (for the run record)."""
    return state.read_plans(RunFolder(run_dir))


# -- abandoned runs -----------------------------------------------------------------------------

def this_process() -> dict[str, Any]:
    """What the run record keeps to tell later whether the run's process still lives."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def close_abandoned_runs(con: duckdb.DuckDBPyConnection, current_run_id: str) -> list[str]:
    """Mark ``abandoned`` every ``running`` run whose process is gone; returns their ids."""
    dead = [run.run_id for run in retries.running_runs(con)
            if run.run_id != current_run_id and process_gone(
                run.parameters.get("process"), run.started_at)]
    retries.mark_abandoned(con, dead)
    return dead


def close_runs_of_lost_flow_runs(con: duckdb.DuckDBPyConnection,
                                 flow_runs: list[str]) -> list[str]:
    """Mark ``abandoned`` every ``running`` run recorded by one of ``flow_runs`` (flow runs the
    orchestrator reports crashed or cancelled: their process is gone, on whatever host), so the
    next night does not wait ``STALE_AFTER_SECONDS`` for a dead worker's run. Returns their ids.

    A run whose process in fact lives on (cut off from the orchestrator, not dead) still closes
    itself when it ends: its end overwrites ``abandoned``, and its load, if it comes, is
    idempotent like any other.
    """
    wanted = set(flow_runs)
    if not wanted:
        return []
    with write_lock(con):
        lost = [run.run_id for run in retries.running_runs(con)
                if run.parameters.get(FLOW_RUN_KEY) in wanted]
        retries.mark_abandoned(con, lost)
    return lost


def process_gone(process: Any, started_at: datetime, now: float | None = None) -> bool:
    """Whether the process that started a run at ``started_at`` is certainly not running.

    On this host: its PID is free, a zombie, or taken by a process started after the run (PIDs
    are reused). Elsewhere, or with no process recorded: only once the run is older than
    ``STALE_AFTER_SECONDS``.
    """
    now = time.time() if now is None else now
    started = started_at.timestamp()
    if not isinstance(process, dict) or process.get("host") != socket.gethostname():
        return now - started > STALE_AFTER_SECONDS
    pid = process.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return now - started > STALE_AFTER_SECONDS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, owned by someone else
    state, since = _proc_stat(pid)
    if state in ("Z", "X"):
        return True
    return since is not None and since > started + 1.0


def _proc_stat(pid: int) -> tuple[str | None, float | None]:
    """A Linux process's state letter and start time (epoch seconds); Nones elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, StopIteration, ValueError):
        return None, None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
    ticks = os.sysconf("SC_CLK_TCK")
    return fields[0], boot + int(fields[19]) / ticks
