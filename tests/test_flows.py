"""Unit tests of the flows' plain functions: quality checks on fabricated histories, Scrapy log
summaries, crawl failure rules, the per-outlet report, parameters (run retention:
test_maintenance.py). No Prefect server, no crawl."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from flows.crawl import CrawlResult, crawl_command, failure_reason, summarise_log
from flows.params import CrawlScope
from flows.quality import QualityThresholds, check_outlet, check_run, quality_markdown
from flows.report import artifact_table, outlet_rows, run_markdown

FEED = "https://x.ma/feed/"
TH = QualityThresholds()


def _row(new=10, pages=12, failures=0, non_articles=1, words=400.0, feed=20, status="ok"):
    return {"outlet": "x", "status": status, "new": new, "pages": pages,
            "extraction_failures": failures, "non_articles": non_articles,
            "median_words": words, "sources": {FEED: feed}}


def _checks(current, history):
    return {b.check for b in check_outlet(current, history, TH)}


# -- quality --------------------------------------------------------------------------------

def test_usual_night_has_no_breach():
    assert _checks(_row(new=8, words=380), [_row(), _row(new=12), _row(new=9)]) == set()


def test_zero_new_articles_when_usually_some():
    breaches = check_outlet(_row(new=0), [_row(), _row(), _row()], TH)
    assert [b.check for b in breaches] == ["zero_new"]
    assert breaches[0].outlet == "x" and "usually 10" in breaches[0].reason


def test_zero_new_is_normal_for_a_quiet_outlet():
    assert _checks(_row(new=0), [_row(new=0), _row(new=0), _row(new=1), _row(new=0)]) == set()


def test_short_history_gives_no_verdict():
    assert _checks(_row(new=0, words=10, feed=0), [_row(), _row()]) == set()


def test_failed_runs_are_not_history():
    history = [_row(), _row(), _row(status="failed: no response")]
    assert _checks(_row(new=0), history) == set()


def test_extraction_failures_jump():
    assert "extraction_failures_jump" in _checks(_row(failures=6), [_row()] * 3)
    assert _checks(_row(failures=1), [_row()] * 3) == set()


def test_share_not_judged_on_few_pages():
    assert _checks(_row(pages=2, failures=2, new=0), [_row(new=0)] * 3) == set()


def test_non_articles_jump_after_a_layout_change():
    assert "non_articles_jump" in _checks(_row(non_articles=10, new=2), [_row()] * 4)


def test_text_length_collapse():
    breaches = check_outlet(_row(words=90), [_row(words=400), _row(words=420), _row(words=380)],
                            TH)
    assert [b.check for b in breaches] == ["length_collapse"]
    assert "90 words" in breaches[0].reason


def test_dead_feed():
    breaches = check_outlet(_row(feed=0), [_row()] * 3, TH)
    assert [b.check for b in breaches] == ["dead_source"] and FEED in breaches[0].reason


def test_check_run_reads_history_from_run_records_and_skips_failed_outlets():
    history = [{"counts": {"outlets": [_row(), {**_row(), "outlet": "y"}]}}] * 3
    rows = [_row(new=0), {**_row(new=0), "outlet": "y", "status": "failed: x"}]
    breaches = check_run(rows, history, TH)
    assert [(b.outlet, b.check) for b in breaches] == [("x", "zero_new")]
    assert "| x | zero_new |" in quality_markdown(breaches, 2, 3)
    assert "All 2 outlets" in quality_markdown([], 2, 3)


# -- crawl ----------------------------------------------------------------------------------

LOG = """\
2026-11-23 20:13:11 [scrapy.utils.log] INFO: Scrapy 2.19.0 started (bot: khabar)
 'LOG_LEVEL': 'INFO',
2026-11-23 20:13:12 [scrapy.core.scraper] ERROR: Error downloading <GET https://a.ma/1/>
Traceback (most recent call last):
2026-11-23 20:13:12 [scrapy.core.scraper] ERROR: Error downloading <GET https://a.ma/22/>
2026-11-23 20:13:13 [x] WARNING: Listing page 3 had no links
2026-11-23 20:13:13 [scrapy.core.engine] INFO: Spider closed (finished)
"""


def test_log_summary_counts_levels_and_groups_problems():
    summary = summarise_log(LOG.splitlines())
    assert summary.levels == {"INFO": 2, "ERROR": 2, "WARNING": 1}
    assert summary.tracebacks == 1
    assert summary.problems[0] == ("ERROR [scrapy.core.scraper] Error downloading <url>", 2)
    assert summary.problems[1] == ("WARNING [x] Listing page N had no links", 1)


def test_crawl_failure_rules():
    ok = CrawlResult("x", 0, 1.0, stats={"requests": 3, "responses": 3})
    assert failure_reason(ok) is None
    assert failure_reason(CrawlResult("x", 1, 1.0, stats=ok.stats)) == "scrapy exited 1"
    assert failure_reason(CrawlResult("x", 0, 1.0)) == "no crawl stats written"
    dark = CrawlResult("x", 0, 1.0, stats={"requests": 2, "responses": 0,
                                           "errors_by_class": {"DNSLookupError": 2}})
    assert failure_reason(dark) == "no response to 2 requests (DNSLookupError x2)"


def test_crawl_command_passes_window_and_incremental_state():
    cmd = crawl_command("x", Path("/r"), "id", since=date(2026, 1, 1), until=date(2026, 2, 1),
                        max_pages=50, backfill=True, seen_file=Path("/r/seen/x.txt"),
                        known_file=Path("/r/known/x.json"),
                        validators_file=Path("/r/validators/x.json"))
    for arg in ("since=2026-01-01", "until=2026-02-01", "max_pages=50", "backfill=1",
                "seen_file=/r/seen/x.txt", "known_file=/r/known/x.json",
                "validators_file=/r/validators/x.json"):
        assert arg in cmd, arg


def test_every_crawl_argument_is_one_the_spider_takes():
    """The flow and the spider agree on argument names (a typo would be silently ignored)."""
    import inspect

    from spiders.news import NewsSpider

    accepted = set(inspect.signature(NewsSpider.__init__).parameters)
    cmd = crawl_command("x", Path("/r"), "id", since=date(2026, 1, 1), until=date(2026, 2, 1),
                        max_pages=5, backfill=True, seen_file=Path("/s"), known_file=Path("/k"),
                        validators_file=Path("/v"))
    names = {cmd[i + 1].split("=", 1)[0] for i, part in enumerate(cmd) if part == "-a"}
    assert names <= accepted, names - accepted


# -- report and parameters -------------------------------------------------------------------

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
    from flows.quality import Breach
    from flows.tasks import Crawls, RunContext

    run = RunContext("nightly", "r1", tmp_path, tmp_path / "db")
    warn = [Breach("x", "zero_new", "no new articles")]
    assert final_state(run, Crawls(["x"]), [], []).name == "Completed"
    warned = final_state(run, Crawls(["x"]), warn, [])
    assert warned.is_completed() and warned.name == "Warned" and "x: no new" in warned.message
    failed = final_state(run, Crawls(["x", "g"], failed={"g": "no response"}), warn, [])
    assert failed.is_failed() and "g: no response" in failed.message and "quality" in failed.message
