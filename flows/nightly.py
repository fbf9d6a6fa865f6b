"""The nightly flow: crawl every outlet, extract, load deduplicated articles, check, report.

Run it once without a server::

    python -m flows.nightly --snapshot            # the bundled offline sample outlets
    python -m flows.nightly --outlets lebrief     # the live web
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Annotated

from prefect import flow
from prefect.states import Completed, Failed, State
from pydantic import Field

from flows.params import CrawlScope
from flows.paths import default_db_path, default_runs_dir, new_run_id
from flows.quality import Breach, QualityThresholds, check_quality
from flows.tasks import (
    Crawls,
    RunContext,
    crawl,
    crawl_outlets,
    extract,
    load,
    prepare_run,
    report,
    summarise,
)
from registry import Outlet, load_outlets, select_outlets

__all__ = ["crawl", "extract", "load", "nightly", "prepare_run", "report", "resolve_outlets"]


def resolve_outlets(wanted: list[str] | None, snapshot: bool) -> list[Outlet]:
    """Registry entries to crawl; in snapshot mode, by default the outlets the snapshot holds.

    Raises:
        registry.RegistryError: a bad registry or an unknown outlet, before any work starts.
    """
    outlets = load_outlets()
    if snapshot and not wanted:
        from snapshot import snapshot_outlets

        wanted = [o for o in snapshot_outlets() if o in outlets]
    return select_outlets(outlets, wanted)


def new_run(flow_name: str, db_path: str | None, runs_dir: str | None) -> RunContext:
    """A fresh run id and where the run keeps its files and rows."""
    run_id = new_run_id()
    runs = Path(runs_dir) if runs_dir else default_runs_dir()
    return RunContext(flow_name, run_id, runs / run_id,
                      Path(db_path) if db_path else default_db_path())


def crawl_options(scope: CrawlScope, snapshot: bool, **extra) -> dict:
    """Keyword arguments of ``flows.crawl.crawl_outlet`` common to every outlet of a run."""
    options = {"since": scope.since, "until": scope.until, "max_pages": scope.max_pages, **extra}
    if snapshot:
        from snapshot import SNAPSHOT_WARC

        options["snapshot_warc"] = SNAPSHOT_WARC
    return options


def final_state(run: RunContext, crawls: Crawls, breaches: list[Breach], rows: list[dict]
                ) -> State:
    """``Failed`` if a crawl failed; ``Completed`` named ``Warned`` on a quality breach.

    Either way the other outlets are loaded. An automation on the event
    ``prefect.flow-run.Warned`` (or ``prefect.flow-run.Failed``) can notify someone.
    """
    data = {"run_id": run.run_id, "outlets": rows}
    warned = "; ".join(f"{b.outlet}: {b.reason}" for b in breaches)
    if crawls.failed:
        failed = "; ".join(f"{o}: {r}" for o, r in crawls.failed.items())
        return Failed(message=f"crawl failed for {failed}"
                      + (f" | quality: {warned}" if warned else ""), data=data)
    if breaches:
        return Completed(name="Warned", message=f"quality: {warned}", data=data)
    return Completed(message=f"run {run.run_id}: {len(rows)} outlets loaded", data=data)


@flow(name="nightly", log_prints=True)
def nightly(
    scope: CrawlScope | None = None,
    snapshot: bool = False,
    db_path: str | None = None,
    runs_dir: str | None = None,
    max_parallel_crawls: Annotated[int, Field(ge=1, le=64)] = 4,
    extract_workers: Annotated[int, Field(ge=0, le=256)] | None = None,
    quality: QualityThresholds | None = None,
) -> State:
    """Crawl, extract, load, check and report. One outlet failing does not stop the others.

    Args:
        scope: outlets (default: all, or the snapshot's) and crawl window.
        snapshot: crawl the bundled offline snapshot instead of the live web.
        db_path: DuckDB file (default ``$KHABAR_DB`` or ``warehouse/news.duckdb``).
        runs_dir: where run files go (default ``$KHABAR_RUNS_DIR`` or ``data/runs``).
        max_parallel_crawls: crawl processes running at once.
        extract_workers: extraction processes (default: one per core; 0: in the flow process).
        quality: thresholds of the data-quality checks.
    """
    scope, quality = scope or CrawlScope(), quality or QualityThresholds()
    outlets = resolve_outlets(scope.outlets, snapshot)
    run = new_run("nightly", db_path, runs_dir)
    params = {**scope.model_dump(mode="json"), "outlets": [o.id for o in outlets],
              "snapshot": snapshot}
    state = prepare_run(run, outlets, params)
    crawls = crawl_outlets(run, outlets, crawl_options(scope, snapshot), state,
                           max_parallel=max_parallel_crawls)
    extract(run, outlets, extract_workers)
    load(run)
    rows, history = summarise(run, crawls, quality.history_runs)
    breaches = check_quality(rows, history, quality)
    report(run, rows, crawls.failed, [f"{b.outlet}: {b.reason}" for b in breaches])
    return final_state(run, crawls, breaches, rows)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the flow once (Prefect runs it in-process), then print the summary."""
    from flows.demo import print_run_summary

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", action="store_true",
                        help="crawl the bundled offline snapshot instead of the live web")
    parser.add_argument("--outlets", help="comma-separated outlet ids (default: all)")
    parser.add_argument("--since", type=date.fromisoformat)
    parser.add_argument("--max-pages", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=4, help="crawls running at once")
    parser.add_argument("--db", help="DuckDB file (default: $KHABAR_DB or warehouse/news.duckdb)")
    args = parser.parse_args(argv)
    scope = CrawlScope(outlets=args.outlets.split(",") if args.outlets else None,
                       since=args.since, max_pages=args.max_pages)
    state = nightly(scope=scope, snapshot=args.snapshot, db_path=args.db,
                    max_parallel_crawls=args.parallel, return_state=True)
    print_run_summary(Path(args.db) if args.db else default_db_path())
    if not state.is_completed() or state.name == "Warned":
        print(f"{state.name}: {state.message}")
    return 0 if state.is_completed() else 1


if __name__ == "__main__":
    raise SystemExit(main())
