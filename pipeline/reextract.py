"""Re-extraction: run the current extractor again over stored raw pages, and say what changed
(plain functions; ``flows/reextract.py`` is the Prefect flow around :func:`reextract_run`).

Raw pages stay in the warehouse (``pages``, bodies compressed). When the extractor changes
(``transforms.extract.EXTRACTOR_VERSION``), this flow takes, for each URL, the fetch behind its
latest extraction when that extraction was made by another version, re-materialises those
pages as a run folder (raw page files, keeping each page's original ``fetched_at``), extracts it
with the nightly code (``pipeline.extraction.extract_run``) and loads its ``articles.parquet``
with ``warehouse.load.load_run`` under a new run id, flow name ``reextract``. A changed title or
text becomes a new ``article_versions`` row; the report lists those articles.

The raw files are moved to the run folder's ``source/`` before the load: the pages are already
stored under the runs that fetched them, and a second copy of every body would only grow the
file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

import pyarrow.parquet as pq

import transforms.extract as extract_module
import warehouse
from khabar.run.layout import RunFolder
from khabar.run.records import JsonlGzWriter, RawPage
from khabar.urls import article_id
from pipeline.extraction import extract_run
from registry import load_outlets
from warehouse import load as loader
from warehouse.reextract import StoredPage, pages_for_reextract

FLOW_NAME = "reextract"


@dataclass
class ReextractReport:
    """What one re-extraction did."""

    run_id: str
    version: str
    pages: int = 0
    changed: list[dict] = field(default_factory=list)
    outlets: list[dict] = field(default_factory=list)


def materialise_pages(pages: Iterable[StoredPage], run_dir: Path, run_id: str) -> dict[str, dict]:
    """Write stored pages as the run's raw files, as the crawler would have written them.

    Returns:
        Per URL: the article the page last produced (``article_id``, ``title``,
        ``content_hash``, ``extractor_version``), to compare with the new extraction.
    """
    folder = RunFolder(run_dir)
    writers: dict[str, JsonlGzWriter] = {}
    before: dict[str, dict] = {}
    try:
        for page in pages:
            writer = writers.get(page.outlet)
            if writer is None:
                writer = writers[page.outlet] = JsonlGzWriter(folder.raw_file(page.outlet))
            fetched = page.fetched_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
            writer.write(RawPage.from_body(
                body=page.body, run_id=run_id, outlet=page.outlet, url=page.url,
                final_url=page.final_url or page.url, status=page.status or 200,
                headers=page.headers, fetched_at=fetched, sources=page.sources,
            ))
            before[page.final_url or page.url] = {
                "article_id": page.article_id, "title": page.article_title,
                "content_hash": page.article_content_hash,
                "extractor_version": page.extractor_version,
            }
    finally:
        for writer in writers.values():
            writer.close()
    return before


def changed_articles(parquet: Path, before: dict[str, dict]) -> list[dict]:
    """Articles whose title or text differ from what the previous extraction stored.

    A page that becomes an article (or stops being one) counts as changed too.
    """
    columns = ["outlet", "url", "canonical_url", "verdict", "title", "content_hash"]
    changed = []
    for row in pq.read_table(parquet, columns=columns).to_pylist():
        old = before.get(row["url"], {})
        is_article = row["verdict"] == "article"
        was_article = old.get("article_id") is not None
        if not is_article and not was_article:
            continue
        if (is_article and was_article and old["title"] == row["title"]
                and old["content_hash"] == row["content_hash"]):
            continue
        changed.append({
            "outlet": row["outlet"],
            "canonical_url": row["canonical_url"],
            "article_id": article_id(row["canonical_url"]) if is_article else old["article_id"],
            "verdict": row["verdict"],
            "title_changed": old.get("title") != row["title"],
            "text_changed": old.get("content_hash") != row["content_hash"],
            "previous_version": old.get("extractor_version"),
        })
    return sorted(changed, key=lambda c: (c["outlet"], c["canonical_url"]))


def reextract_run(
    db_path: Path | None,
    run_dir: Path,
    run_id: str,
    *,
    outlets: list[str] | None = None,
    only_older_versions: bool = True,
    workers: int | None = None,
) -> ReextractReport:
    """The whole re-extraction without Prefect (the flow below wraps it; tests call it too).

    ``db_path`` ``None``: the DuckLake ``KHABAR_WAREHOUSE`` names (``warehouse.connect``); the
    re-extraction's load is then one lake snapshot named by ``run_id``.
    """
    version = extract_module.EXTRACTOR_VERSION
    report = ReextractReport(run_id=run_id, version=version)
    params = {"outlets": outlets, "only_older_versions": only_older_versions,
              "extractor_version": version}
    folder = RunFolder(run_dir)
    folder.claim(run_id, FLOW_NAME)  # never another run's folder; marked for retention
    with warehouse.connect(db_path) as con:
        loader.record_run_start(con, run_id, FLOW_NAME, params)
        pages = pages_for_reextract(con, version, outlets=outlets,
                                    only_older_versions=only_older_versions)
        before = materialise_pages(pages, run_dir, run_id)
    report.pages = len(before)
    if before:
        registry = load_outlets()
        hints = {oid: o.extraction_hints for oid, o in registry.items()}
        extract_run(run_dir, hints, workers=workers, pages=False)  # pages are stored
        report.changed = changed_articles(folder.articles, before)
        folder.raw_dir.rename(folder.source_dir)
    with warehouse.connect(db_path) as con:
        if before:
            loader.load_run(con, run_id, run_dir)
        report.outlets = loader.run_summary(con, run_id)
        counts = {"pages": report.pages, "changed": len(report.changed),
                  "outlets": report.outlets}
        loader.record_run_end(con, run_id, "completed", counts)
    return report
