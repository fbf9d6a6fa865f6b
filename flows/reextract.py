"""Re-extraction: run the current extractor again over stored raw pages, and say what changed.

The Prefect flow around ``pipeline.reextract.reextract_run`` (which says how), with the
``reextract-changed`` table artifact when articles changed::

    python -m flows.reextract [--outlets lebrief,maghress_fr] [--db PATH] [--all]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from khabar.paths import default_runs_dir
from khabar.run.layout import new_run_id
from pipeline.context import warehouse_target
from pipeline.reextract import FLOW_NAME, ReextractReport, reextract_run

__all__ = ["main", "reextract"]


@flow(name=FLOW_NAME, log_prints=True)
def reextract(
    outlets: list[str] | None = None,
    db_path: str | None = None,
    only_older_versions: bool = True,
    runs_dir: str | None = None,
    extract_workers: int | None = None,
) -> ReextractReport:
    """Re-extract stored pages made by an older extractor version; report changed articles."""
    logger = get_run_logger()
    db = warehouse_target(db_path)  # None: the DuckLake KHABAR_WAREHOUSE names
    run_id = new_run_id()
    run_dir = (Path(runs_dir) if runs_dir else default_runs_dir()) / run_id
    report = reextract_run(db, run_dir, run_id, outlets=outlets,
                           only_older_versions=only_older_versions, workers=extract_workers)
    logger.info("re-extracted %d pages with %s: %d articles changed", report.pages,
                report.version, len(report.changed))
    if report.changed:
        create_table_artifact(key="reextract-changed", table=report.changed,
                              description=f"Articles changed by re-extraction run {run_id}")
    return report


def main(argv: list[str] | None = None) -> int:
    """Command line: run the flow once in-process and print the changed articles."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", help="comma-separated outlet ids (default: all)")
    parser.add_argument("--db", help="DuckDB file (default: the DuckLake KHABAR_WAREHOUSE names, "
                        "else $KHABAR_DB or warehouse/news.duckdb)")
    parser.add_argument("--all", action="store_true",
                        help="re-extract every stored page, not only older versions")
    args = parser.parse_args(argv)
    report = reextract(outlets=args.outlets.split(",") if args.outlets else None,
                       db_path=args.db, only_older_versions=not args.all)
    print(f"run {report.run_id}: {report.pages} pages re-extracted with {report.version}, "
          f"{len(report.changed)} articles changed")
    for item in report.changed:
        print(f"  {item['outlet']}: {item['canonical_url']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
