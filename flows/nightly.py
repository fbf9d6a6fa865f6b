"""The nightly flow: crawl every outlet, extract, load deduplicated articles, report.

Run it once without a server::

    python -m flows.nightly --snapshot            # the bundled offline sample outlets
    python -m flows.nightly --outlets lebrief     # the live web
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.states import Completed, Failed

import warehouse
from flows.crawl import CrawlResult, crawl_outlet
from flows.extraction import ExtractionSummary, extract_run
from flows.paths import default_db_path, default_runs_dir, new_run_id
from flows.report import summary_markdown
from registry import Outlet, load_outlets, select_outlets
from warehouse import load as loader


def resolve_outlets(wanted: list[str] | None, snapshot: bool) -> list[Outlet]:
    """Registry entries to crawl; in snapshot mode, by default the outlets the snapshot holds.

    Raises:
        registry.RegistryError: a bad registry or an unknown outlet, before any work starts.
    """
    outlets = load_outlets()
    if snapshot and not wanted:
        from snapshot import snapshot_outlets

        wanted = snapshot_outlets()
    return select_outlets(outlets, wanted)


@task(name="prepare-run")
def prepare_run(db_path: Path, run_id: str, run_dir: Path, outlets: list[Outlet],
                parameters: dict) -> dict[str, Path]:
    """Record the run, sync the registry, and write each outlet's seen set for its crawler."""
    seen_dir = run_dir / "seen"
    seen_dir.mkdir(parents=True, exist_ok=True)
    seen_files = {}
    with warehouse.connect(db_path) as con:
        loader.sync_outlets(con, outlets)
        loader.record_run_start(con, run_id, "nightly", parameters)
        for outlet in outlets:
            path = seen_dir / f"{outlet.id}.txt"
            path.write_text("".join(f"{url}\n" for url in loader.known_urls(con, outlet.id)))
            seen_files[outlet.id] = path
    return seen_files


@task(name="crawl", retries=1, retry_delay_seconds=30, task_run_name="crawl-{outlet}")
def crawl(outlet: str, run_dir: Path, run_id: str, options: dict) -> CrawlResult:
    """One outlet's crawl, in its own process. A non-zero exit fails the task (and retries)."""
    logger = get_run_logger()
    result = crawl_outlet(outlet, run_dir, run_id, **options)
    stats = result.stats
    logger.info(
        "%s: %s requests, %s article pages, exit %s in %.1fs (log %s)", outlet,
        stats.get("requests", "?"), stats.get("articles_fetched", "?"), result.returncode,
        result.seconds, result.log_path,
    )
    if not result.ok:
        raise RuntimeError(f"crawl of {outlet} exited {result.returncode}: "
                           + " | ".join(result.log_tail))
    return result


@task(name="extract")
def extract(run_dir: Path, outlets: list[Outlet], workers: int | None) -> ExtractionSummary:
    summary = extract_run(run_dir, {o.id: o.extraction_hints for o in outlets}, workers=workers)
    get_run_logger().info("extracted %d pages: %s", summary.pages, summary.verdicts)
    return summary


@task(name="load", retries=2, retry_delay_seconds=10)
def load(db_path: Path, run_id: str, run_dir: Path) -> None:
    """Bulk-load the run in one transaction; a retry after a lock or crash reloads cleanly."""
    with warehouse.connect(db_path) as con:
        report = loader.load_run(con, run_id, run_dir)
    get_run_logger().info("loaded run %s: %s", run_id, report)


@task(name="report")
def report(db_path: Path, run_id: str, failed: list[str]) -> list[dict]:
    """Close the run record and publish the per-outlet table and summary as artifacts."""
    with warehouse.connect(db_path) as con:
        rows = loader.run_summary(con, run_id)
        status = "failed" if failed else "completed"
        loader.record_run_end(con, run_id, status, {"outlets": rows, "failed": failed})
    create_table_artifact(key="nightly-outlets", table=rows,
                          description=f"Per-outlet counts of run {run_id}")
    create_markdown_artifact(key="nightly-summary",
                             markdown=summary_markdown(rows, run_id, failed))
    return rows


@flow(name="nightly", log_prints=True)
def nightly(
    outlets: list[str] | None = None,
    snapshot: bool = False,
    since: date | None = None,
    max_pages: int = 1000,
    db_path: str | None = None,
    runs_dir: str | None = None,
    extract_workers: int | None = None,
):
    """Crawl, extract, load and report. One outlet failing does not stop the others."""
    selected = resolve_outlets(outlets, snapshot)
    db = Path(db_path) if db_path else default_db_path()
    run_id = new_run_id()
    run_dir = Path(runs_dir) if runs_dir else default_runs_dir()
    run_dir = run_dir / run_id
    params = {"outlets": [o.id for o in selected], "snapshot": snapshot,
              "since": since.isoformat() if since else None, "max_pages": max_pages}
    seen = prepare_run(db, run_id, run_dir, selected, params)

    options: dict = {"since": since, "max_pages": max_pages}
    if snapshot:
        from snapshot import SNAPSHOT_WARC

        options["snapshot_warc"] = SNAPSHOT_WARC
    futures = {o.id: crawl.submit(o.id, run_dir, run_id, {**options, "seen_file": seen[o.id]})
               for o in selected}
    outcomes = {oid: fut.result(raise_on_failure=False) for oid, fut in futures.items()}
    failed = [oid for oid, outcome in outcomes.items() if isinstance(outcome, BaseException)]

    extract(run_dir, selected, extract_workers)
    load(db, run_id, run_dir)
    rows = report(db, run_id, failed)
    if failed:
        return Failed(message=f"crawl failed for {', '.join(failed)}", data=rows)
    return Completed(message=f"run {run_id} loaded", data=rows)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the flow once (Prefect runs it in-process), then print the summary."""
    from flows.demo import print_run_summary

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", action="store_true",
                        help="crawl the bundled offline snapshot instead of the live web")
    parser.add_argument("--outlets", help="comma-separated outlet ids (default: all)")
    parser.add_argument("--since", type=date.fromisoformat)
    parser.add_argument("--max-pages", type=int, default=1000)
    parser.add_argument("--db", help="DuckDB file (default: $KHABAR_DB or warehouse/news.duckdb)")
    args = parser.parse_args(argv)
    state = nightly(
        outlets=args.outlets.split(",") if args.outlets else None, snapshot=args.snapshot,
        since=args.since, max_pages=args.max_pages, db_path=args.db, return_state=True,
    )
    print_run_summary(Path(args.db) if args.db else default_db_path())
    return 0 if state.is_completed() else 1


if __name__ == "__main__":
    raise SystemExit(main())
