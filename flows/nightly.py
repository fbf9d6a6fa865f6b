"""The nightly flow: crawl every outlet, extract, load deduplicated articles, check, report.

Run it once without a server (Prefect records it under the project's ``.prefect`` unless
``PREFECT_HOME`` is set, so it shows in the same UI as ``make demo``; see ``flows/__init__.py``)::

    python -m flows.nightly --snapshot            # the bundled offline sample outlets
    python -m flows.nightly --outlets lebrief     # the live web

Bad input (registry, outlet names, dates, warehouse or run paths) is refused before any work
starts (``pipeline/preflight.py``): the command prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

from prefect import flow
from prefect.runtime import flow_run as prefect_flow_run
from prefect.states import Completed, Failed, State
from pydantic import Field, TypeAdapter

from flows import tasks
from flows.server import start_guarded_api_server
from khabar.paths import default_runs_dir
from pipeline.context import Crawls, RunContext, warehouse_target
from pipeline.night import NightOutcome, new_run, nightly_plan, resolve_outlets, run_night
from pipeline.params import CrawlScope, CrawlSettings
from pipeline.preflight import INPUT_ERRORS, check_paths, problem
from pipeline.quality import Breach, QualityThresholds
from pipeline.recovery import FLOW_RUN_KEY

__all__ = ["final_state", "flow_state", "loaded", "main", "nightly"]


def final_state(run: RunContext, crawls: Crawls, breaches: list[Breach], rows: list[dict]
                ) -> State:
    """``Failed`` if a crawl failed; a ``Failed``-type state named ``Warned`` on a quality
    breach; else ``Completed``.

    Either way the other outlets are loaded. Prefect has no state type for a warning, and its UI
    and ``prefect flow-run ls`` colour and list runs by type: a Completed state named Warned
    showed green everywhere. So a warned night has the FAILED type (red, listed as FAILED) with
    its own name, ``Warned``, and event ``prefect.flow-run.Warned``, which the shipped automation
    (``flows/alerts.py``) notifies on, like ``prefect.flow-run.Failed``.
    """
    data = {"run_id": run.run_id, "outlets": rows}
    warned = "; ".join(f"{b.outlet}: {b.reason}" for b in breaches)
    if crawls.failed:
        failed = "; ".join(f"{o}: {r}" for o, r in crawls.failed.items())
        return Failed(message=f"crawl failed for {failed}"
                      + (f" | quality: {warned}" if warned else ""), data=data)
    if breaches:
        return Failed(name="Warned", message=f"quality: {warned}", data=data)
    return Completed(message=f"run {run.run_id}: {len(rows)} outlets loaded", data=data)


def flow_state(outcome: NightOutcome) -> State:
    """The flow's state for a night's outcome: ``Failed`` with its one line when it stopped
    before its load, else ``final_state``."""
    run = outcome.run
    if outcome.error is not None or outcome.crawls is None:
        line = outcome.error or "the night stopped before its crawls ended"
        return Failed(message=line, data={"run_id": run.run_id, "error": line})
    return final_state(run, outcome.crawls, outcome.breaches, outcome.rows)


def loaded(state: State) -> bool:
    """Whether the night loaded its data: Completed, or Warned (a quality breach)."""
    return state.is_completed() or state.name == "Warned"


@flow(name="nightly", log_prints=True)
def nightly(
    scope: CrawlScope | None = None,
    snapshot: bool = False,
    db_path: str | None = None,
    runs_dir: str | None = None,
    max_parallel_crawls: Annotated[int, Field(ge=1, le=64)] = 4,
    extract_workers: Annotated[int, Field(ge=0, le=256)] | None = None,
    quality: QualityThresholds | None = None,
    crawl_settings: CrawlSettings | None = None,
) -> State:
    """Crawl, extract, load, check and report (``pipeline.night.run_night`` with this package's
    tasks). One outlet failing does not stop the others.

    Args:
        scope: outlets (default: all, or the snapshot's) and crawl window.
        snapshot: crawl the bundled offline snapshot instead of the live web.
        db_path: DuckDB file (default ``$KHABAR_DB`` or ``warehouse/news.duckdb``).
        runs_dir: where run files go (default ``$KHABAR_RUNS_DIR`` or ``data/runs``).
        max_parallel_crawls: crawl processes running at once.
        extract_workers: extraction processes (default: one per core; 0: in the flow process).
        quality: thresholds of the data-quality checks.
        crawl_settings: Scrapy settings for every crawl (``DOWNLOAD_TIMEOUT``: ``"10"``).

    Raises:
        registry.RegistryError, warehouse.WarehouseError, pipeline.preflight.PreflightError: bad
            input, before any work starts.
    """
    scope = scope or CrawlScope()
    outlets = resolve_outlets(scope.outlets, snapshot)
    run = new_run("nightly", db_path, runs_dir)
    check_paths(run.db, run.run_dir.parent)
    plan = nightly_plan(outlets, scope, snapshot=snapshot, max_parallel=max_parallel_crawls,
                        extract_workers=extract_workers, quality=quality,
                        crawl_settings=crawl_settings)
    # Recorded with the run: the fan-out parent closes the run of a shard Prefect saw crash.
    plan.parameters[FLOW_RUN_KEY] = prefect_flow_run.get_id()
    return flow_state(run_night(run, plan, tasks))


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``nightly: error: ...``), exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD ({exc})") from None


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


def main(argv: list[str] | None = None) -> int:
    """Command line: check the input, run the flow once (Prefect runs it in-process), then
    print the summary. Exit 0 when the night loaded (Completed, or Warned by a quality check:
    the line ``Warned: …`` says why), 1 when it failed, 2 on bad input."""
    from pipeline.demo import print_run_summary

    parser = _Parser(prog="nightly", description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", action="store_true",
                        help="crawl the bundled offline snapshot instead of the live web")
    parser.add_argument("--outlets", help="comma-separated outlet ids (default: all)")
    parser.add_argument("--since", type=_day, help="YYYY-MM-DD: skip entries dated before")
    parser.add_argument("--until", type=_day, help="YYYY-MM-DD: skip entries dated after")
    parser.add_argument("--max-pages", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=4, help="crawls running at once")
    parser.add_argument("--db", help="DuckDB file (default: $KHABAR_DB or warehouse/news.duckdb)")
    parser.add_argument("--runs-dir", help="run files (default: $KHABAR_RUNS_DIR or data/runs)")
    parser.add_argument("-s", "--set", type=_setting, action="append", default=[],
                        metavar="NAME=VALUE", help="Scrapy setting for every crawl")
    args = parser.parse_args(argv)
    if not 1 <= args.parallel <= 64:
        parser.error(f"argument --parallel: {args.parallel} is not between 1 and 64")
    try:
        scope = CrawlScope(outlets=args.outlets.split(",") if args.outlets else None,
                           since=args.since, until=args.until, max_pages=args.max_pages)
        settings = TypeAdapter(CrawlSettings).validate_python(dict(args.set))
        resolve_outlets(scope.outlets, args.snapshot)
        check_paths(warehouse_target(args.db),
                    Path(args.runs_dir) if args.runs_dir else default_runs_dir())
    except INPUT_ERRORS as exc:
        print(f"nightly: error: {problem(exc)}", file=sys.stderr)
        return 2
    start_guarded_api_server()  # without a server: Prefect's temporary one, dying with us
    state = nightly(scope=scope, snapshot=args.snapshot, db_path=args.db,
                    runs_dir=args.runs_dir, max_parallel_crawls=args.parallel,
                    crawl_settings=settings or None, return_state=True)
    outcome = state.result(raise_on_failure=False)
    if not (isinstance(outcome, dict) and "error" in outcome):  # stopped before any load
        print_run_summary(warehouse_target(args.db))
    if not state.is_completed():
        print(f"{state.name}: {state.message}")
    return 0 if loaded(state) else 1


if __name__ == "__main__":
    raise SystemExit(main())
