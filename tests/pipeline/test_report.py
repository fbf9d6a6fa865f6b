"""pipeline.report and pipeline.params: the per-outlet report, the crawl scope, the final state
of a night."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.params import CrawlScope
from pipeline.report import artifact_table, outlet_rows, run_markdown
from tests.support.runs import REPORT_FEED as FEED


def test_outlet_rows_merge_stats_and_loaded_counts():
    summary = [{"outlet": "x", "pages": 12, "articles_new": 10, "articles_updated": 1,
                "duplicates": 2, "non_articles": 1, "fetch_errors": 1, "extraction_errors": 0}]
    stats = {"x": {"articles_discovered": 30, "articles_fetched": 12,
                   "errors_by_class": {"HttpError": 1}, "sources": [{"url": FEED,
                                                                      "discovered": 20}]},
             "ghost": {}}
    rows = outlet_rows(summary, stats, {"x": 412.0}, {"ghost": "no response"}, ["x", "ghost"])
    assert rows[0] | {} == {**rows[0], "discovered": 30, "fetched": 12, "new": 10,
                            "errors_by_class": "HttpError: 1", "median_words": 412.0,
                            "sources": {FEED: 20}, "status": "ok"}
    assert rows[1]["status"] == "failed: no response" and rows[1]["new"] == 0
    table = artifact_table(rows)
    assert "sources" not in table[0] and table[1]["median_words"] == ""
    md = run_markdown("nightly", "r1", rows, {"ghost": "no response"}, ["x: odd"])
    assert "**ghost**: no response" in md and "- x: odd" in md and "http" not in md


def test_crawl_scope_validates():
    assert CrawlScope().max_pages == 1000
    assert CrawlScope.model_validate({"outlets": ["lebrief"], "since": "2026-01-01"}).since
    for bad in ({"outlets": ["Le Brief"]}, {"max_pages": 0}, {"bogus": 1},
                {"since": "2026-02-01", "until": "2026-01-01"}):
        with pytest.raises(ValidationError):
            CrawlScope.model_validate(bad)


def test_final_state_names_failures_and_warnings(tmp_path):
    from flows.nightly import final_state
    from pipeline.context import Crawls, RunContext
    from pipeline.quality import Breach

    run = RunContext("nightly", "r1", tmp_path, tmp_path / "db")
    warn = [Breach("x", "zero_new", "no new articles")]
    assert final_state(run, Crawls(["x"]), [], []).name == "Completed"
    warned = final_state(run, Crawls(["x"]), warn, [])
    # not green: the FAILED type (how the UI colours it, how `prefect flow-run ls` lists it)
    assert warned.type.value == "FAILED" and warned.name == "Warned"
    assert "x: no new" in warned.message
    failed = final_state(run, Crawls(["x", "g"], failed={"g": "no response"}), warn, [])
    assert failed.is_failed() and "g: no response" in failed.message and "quality" in failed.message
