"""What the last nights left undone: fetches to retry, and runs that never finished.

A fetch that failed tonight (a 503, a timeout, a reset, a bot challenge...) leaves no article,
so the URL is not in tomorrow's seen set; but tomorrow the feed may answer 304 and the listing
may stop at its first page of known articles, and nothing would ask for the URL again. The
warehouse remembers every outcome (``fetches``, ``extractions``), so :func:`failed_fetches`
lists, per outlet, the URLs whose latest outcomes are failures; the flow hands them to the next
crawl (the retry file: ``khabar.run.state``) and gives up after a few nights. What counts as a
failure, what is permanent and when to give up is the retry policy's (``khabar.retry``): its
lists are bound into the query as parameters.

A run killed on its way (SIGKILL, a machine that died) keeps ``status = 'running'`` in
``crawl_runs``; :func:`running_runs` lists such rows and :func:`mark_abandoned` closes them, so
reports never show a dead run as running. Deciding that a run's process is dead is the flow's
job (it knows hosts and PIDs), not SQL's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from khabar.retry import GONE_RECHECK_DAYS, PERMANENT_ERRORS, TRANSIENT_STATUSES, FailedFetch
from warehouse.queries import sql


@dataclass(frozen=True)
class OpenRun:
    """A ``crawl_runs`` row still marked running."""

    run_id: str
    flow: str
    parameters: dict[str, Any]
    started_at: datetime


def failed_fetches(con: duckdb.DuckDBPyConnection, outlet: str) -> list[FailedFetch]:
    """The outlet's URLs to try again (stored articles excluded), sorted by URL.

    Args:
        con: a warehouse connection (read-only is enough).
        outlet: registry id.
    """
    params = {"outlet": outlet, "permanent_errors": [str(e) for e in PERMANENT_ERRORS],
              "transient_statuses": list(TRANSIENT_STATUSES)}
    rows = con.execute(sql("retries", "select_failed_fetches"), params).fetchall()
    return [FailedFetch(url, int(attempts), error or "unknown", run_id, bool(latest))
            for url, attempts, error, run_id, latest in rows]


def gone_urls(con: duckdb.DuckDBPyConnection, outlet: str,
              recheck_days: int = GONE_RECHECK_DAYS) -> list[str]:
    """The outlet's URLs whose latest fetch answered 404 or 410 within ``recheck_days``: not
    to be fetched again until then (sorted).

    Args:
        con: a warehouse connection (read-only is enough).
        outlet: registry id.
        recheck_days: after this many days since the 404/410, the URL is asked again.
    """
    params = {"outlet": outlet, "recheck_days": recheck_days}
    return [row[0] for row in con.execute(sql("retries", "select_gone_urls"), params).fetchall()]


def running_runs(con: duckdb.DuckDBPyConnection) -> list[OpenRun]:
    """Runs recorded as started and not finished, oldest first."""
    rows = con.execute(sql("runs", "select_running_runs")).fetchall()
    return [OpenRun(run_id, flow, _decoded(parameters), started_at)
            for run_id, flow, parameters, started_at in rows]


def mark_abandoned(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> None:
    """Close runs whose process is gone: ``status = 'abandoned'``, no counts (so they are
    never a night of the quality history), ``finished_at`` = now."""
    for run_id in run_ids:
        con.execute(sql("runs", "update_run_end"), {"run_id": run_id, "status": "abandoned",
                                            "counts": None})


def _decoded(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}
