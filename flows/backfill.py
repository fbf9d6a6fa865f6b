"""The backfill flow: crawl older articles of some outlets over a date window, then load them.

Same stages as the nightly flow (``pipeline.night.backfill_plan``), with a larger page cap and
the window passed to the spider. Its runs are recorded as flow ``backfill``, so they never count
as history for the nightly quality checks (a backfill's numbers are not a night's).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from prefect import flow
from prefect.states import State
from pydantic import Field

from flows import tasks
from flows.nightly import flow_state
from pipeline.night import backfill_plan, new_run, resolve_outlets, run_night
from pipeline.params import CrawlScope, OutletId


@flow(name="backfill", log_prints=True)
def backfill(
    outlets: Annotated[list[OutletId], Field(min_length=1)],
    since: date,
    until: date | None = None,
    max_pages: Annotated[int, Field(ge=1, le=100_000)] = 5000,
    snapshot: bool = False,
    db_path: str | None = None,
    runs_dir: str | None = None,
    max_parallel_crawls: Annotated[int, Field(ge=1, le=64)] = 2,
) -> State:
    """Crawl ``outlets`` for articles published from ``since`` (to ``until``), extract, load.

    The spider walks sitemaps and listing pagination back to ``since`` (backfill mode) and skips
    what is newer than ``until``; the load is idempotent, so nothing is stored twice.
    """
    scope = CrawlScope(outlets=outlets, since=since, until=until, max_pages=max_pages)
    selected = resolve_outlets(scope.outlets, snapshot)
    run = new_run("backfill", db_path, runs_dir)
    plan = backfill_plan(selected, scope, snapshot=snapshot, max_parallel=max_parallel_crawls)
    return flow_state(run_night(run, plan, tasks))
