"""Unit tests of the flows' plain functions: quality checks on fabricated histories, Scrapy log
summaries, crawl failure rules, the per-outlet report, parameters (run retention:
test_maintenance.py). No Prefect server, no crawl."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from khabar.run.crawlargs import CrawlArgs
from pipeline.crawl import CrawlResult, crawl_command, failure_reason, summarise_log
from pipeline.params import CrawlScope
from pipeline.quality import QualityThresholds, check_outlet, check_run, quality_markdown
from pipeline.report import artifact_table, outlet_rows, run_markdown

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


def test_zero_new_is_a_streak_of_nights_not_a_median():
    """Nights 2, 3 and 4 bring nothing after a first night of 10: the median of "new" is 0 by
    night 4, yet that is the night to warn (a median never would)."""
    first = _row(new=10)
    assert _checks(_row(new=0), [_row(new=0), first, first]) == set()  # 2 nights: not yet
    breaches = check_outlet(_row(new=0), [_row(new=0), _row(new=0), first], TH)
    assert [b.check for b in breaches] == ["zero_new"]
    assert breaches[0].outlet == "x" and "3 nights in a row" in breaches[0].reason
    assert "last: 10" in breaches[0].reason


def test_a_lasting_zero_new_keeps_warning():
    history = [_row(new=0, status="ok") for _ in range(30)] + [_row(new=10)] * 3
    breaches = check_outlet(_row(new=0), history, TH)
    assert [b.check for b in breaches] == ["zero_new"] and "31 nights" in breaches[0].reason


def test_zero_new_is_normal_for_a_declared_quiet_outlet():
    quiet = QualityThresholds(zero_new_nights_per_outlet={"x": 7})
    history = [_row(new=0), _row(new=0), _row(new=1), _row(new=0)]
    assert {b.check for b in check_outlet(_row(new=0), history, quiet)} == set()
    assert _checks(_row(new=0), history) == {"zero_new"}


def test_short_history_gives_no_verdict():
    assert _checks(_row(new=0, words=10, feed=0), [_row(), _row()]) == set()


def test_failed_runs_are_not_history():
    history = [_row(), _row(), _row(status="failed: no response")]
    assert _checks(_row(new=0), history) == set()


def test_extraction_failures_jump():
    assert "extraction_failures_jump" in _checks(_row(failures=6), [_row()] * 3)
    assert _checks(_row(failures=1), [_row()] * 3) == set()


def test_share_not_judged_on_few_pages():
    assert _checks(_row(pages=2, failures=2), [_row()] * 3) == set()


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
    history = [{"counts": {"outlets": [_row(new=n), {**_row(new=n), "outlet": "y"}]}}
               for n in (0, 0, 10)]
    rows = [_row(new=0), {**_row(new=0), "outlet": "y", "status": "failed: x"}]
    verdict = check_run(rows, history, TH)
    assert [(b.outlet, b.check) for b in verdict.breaches] == [("x", "zero_new")]
    assert [r["quality"] for r in verdict.rows] == ["warned: zero_new",
                                                    "not checked: crawl failed"]
    assert verdict.rows[0]["breached"] == ["zero_new"]
    assert "| x | zero_new |" in quality_markdown(verdict)


def test_first_nights_say_there_is_no_history_yet():
    """Nothing compared is not "within the usual range"."""
    first = check_run([_row(), {**_row(), "outlet": "y"}], [], TH)
    assert first.breaches == [] and first.compared == []
    assert first.rows[0]["quality"] == "no history yet (0 of 3 earlier nights)"
    text = quality_markdown(first)
    assert "no history yet" in text and "x (0), y (0)" in text and "usual range" not in text
    md = run_markdown("nightly", "r1", first.rows, {}, [])
    assert "not compared yet (no history): x, y" in md and "usual range" not in md
    history = [{"counts": {"outlets": [_row()]}}] * 3
    later = check_run([_row(), {**_row(), "outlet": "y"}], history, TH)
    text = quality_markdown(later)
    assert "All 1 compared outlets within their usual range" in text and "y (0)" in text


def test_a_breach_never_becomes_the_baseline():
    """Nights that breached a check are left out of its baseline: a layout change that made
    pages short on nights 4 to 10 still warns on night 11."""
    healthy = [_row(words=400)] * 3
    broken = [{**_row(words=90), "breached": ["length_collapse"]}] * 7
    breaches = check_outlet(_row(words=90), broken + healthy, TH)
    assert [b.check for b in breaches] == ["length_collapse"]
    assert "usually 400" in breaches[0].reason
    # without the record of the breach (the old rule), the median would have absorbed it
    assert _checks(_row(words=90), [_row(words=90)] * 7 + healthy) == set()


def test_an_accepted_change_starts_a_new_baseline():
    from datetime import UTC, datetime

    def run(day: int, words: float) -> dict:
        return {"started_at": datetime(2026, 11, day, 2, tzinfo=UTC),
                "counts": {"outlets": [{**_row(words=words),
                                        "breached": ["length_collapse"] if words < 200 else []}]}}

    history = [run(d, 150) for d in (9, 8, 7, 6)] + [run(d, 400) for d in (5, 4, 3)]
    assert [b.check for b in check_run([_row(words=150)], history, TH).breaches] == [
        "length_collapse"]
    accepted = QualityThresholds(baseline_since={"x": date(2026, 11, 6)})
    assert check_run([_row(words=150)], history, accepted).breaches == []


def test_a_source_that_answered_304_is_not_dead():
    """A feed answering 304 found nothing because nothing changed: neither a dead source
    tonight nor a night of its usual yield."""
    from pipeline.report import source_found

    assert source_found({"discovered": 0, "read": 0, "not_modified": 1}) is None
    assert source_found({"discovered": 0, "read": 1, "not_modified": 0}) == 0
    assert source_found({"discovered": 4}) == 4  # a report written before these counts
    assert _checks(_row(feed=None), [_row()] * 3) == set()
    # 304 nights are not part of its usual yield either
    assert _checks(_row(feed=0), [_row(feed=None)] * 5 + [_row()] * 2) == set()
    assert _checks(_row(feed=0), [_row(feed=None)] * 5 + [_row()] * 3) == {"dead_source"}


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


def spider_arguments(cmd: list[str]) -> dict[str, str]:
    """The ``-a NAME=VALUE`` arguments of a ``scrapy crawl`` command line."""
    return dict(cmd[i + 1].split("=", 1) for i, part in enumerate(cmd) if part == "-a")


def test_crawl_command_passes_window_and_incremental_state():
    cmd = crawl_command("x", Path("/r"), "id", since=date(2026, 1, 1), until=date(2026, 2, 1),
                        max_pages=50, backfill=True, seen_file=Path("/r/seen/x.txt"),
                        known_file=Path("/r/known/x.json"),
                        validators_file=Path("/r/validators/x.json"))
    args, rest = CrawlArgs.from_spider_kwargs(spider_arguments(cmd))
    assert rest == {}
    assert (args.since, args.until, args.max_pages, args.backfill) == (
        date(2026, 1, 1), date(2026, 2, 1), 50, True)
    assert (args.seen_file, args.known_file, args.validators_file) == (
        Path("/r/seen/x.txt"), Path("/r/known/x.json"), Path("/r/validators/x.json"))
    assert (args.run_dir, args.run_id) == (Path("/r"), "id")


def test_every_crawl_argument_is_one_the_spider_takes(tmp_path: Path):
    """The flow and the spider agree on the arguments: a spider built from the command line
    has them all, and a misspelt one is refused before any process starts (it used to be
    silently ignored)."""
    from registry import load_outlets
    from spiders.outlets import spider_class

    seen, known, validators = (tmp_path / "seen.txt", tmp_path / "known.json",
                               tmp_path / "validators.json")
    seen.write_text("https://example.org/a\n")
    known.write_text("{}")
    validators.write_text("{}")
    outlet = next(iter(load_outlets().values()))
    cmd = crawl_command(outlet.id, tmp_path, "id", since=date(2026, 1, 1),
                        until=date(2026, 2, 1), max_pages=5, backfill=True, seen_file=seen,
                        known_file=known, validators_file=validators)
    spider = spider_class(outlet)(**spider_arguments(cmd))
    assert (spider.since, spider.until, spider.max_pages, spider.backfill) == (
        date(2026, 1, 1), date(2026, 2, 1), 5, True)
    assert (spider.run_dir, spider.run_id, spider.seen) == (
        tmp_path, "id", frozenset({"https://example.org/a"}))
    with pytest.raises(ValidationError, match="max_page"):
        crawl_command(outlet.id, tmp_path, "id", max_page=5)


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


# -- Prefect home ----------------------------------------------------------------------------

def test_entry_points_record_into_the_project_prefect_home(tmp_path):
    """``python -m flows.nightly`` and the other entry points keep their runs in the project's
    ``.prefect`` (the database the README's server and ``make demo`` use), not ``~/.prefect``;
    a PREFECT_HOME the user set wins."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    probe = ("import flows.nightly; from prefect.settings import get_current_settings as s; "
             "print(s().home); print(s().server.database.connection_url.get_secret_value())")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_HOME"}
    env["HOME"] = str(tmp_path / "home")
    unset = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, text=True,
                           capture_output=True, timeout=120, check=True).stdout.splitlines()
    assert unset == [str(root / ".prefect"),
                     f"sqlite+aiosqlite:///{root / '.prefect' / 'prefect.db'}"], unset
    mine = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, text=True,
                          env={**env, "PREFECT_HOME": str(tmp_path / "mine")},
                          capture_output=True, timeout=120, check=True).stdout.splitlines()
    assert mine[0] == str(tmp_path / "mine")


# -- trends ----------------------------------------------------------------------------------

def test_trends_run_oldest_first_with_gaps_for_failed_nights():
    """Five nights of one outlet: a failed crawl is a gap, not a zero; a breached night is a
    red dot; the sparkline falls with the articles."""
    import xml.etree.ElementTree as ET

    from pipeline.trends import series, sparkline, trends_markdown, trends_svg

    history = [{"run_id": f"r{n}", "counts": {"outlets": [row]}} for n, row in enumerate([
        _row(new=0),  # newest earlier night
        _row(new=9, status="failed: no response"),
        _row(new=12), _row(new=10)])]
    tonight = {**_row(new=0), "breached": ["zero_new"]}
    data = series([tonight], history, "tonight")
    assert [n.label for n in data["x"]] == ["r3", "r2", "r1", "r0", "tonight"]
    assert [n.values["new"] for n in data["x"]] == [10.0, 12.0, None, 0.0, 0.0]
    assert sparkline([n.values["new"] for n in data["x"]]) == "▇█ ▁▁"
    assert "| x | `▇█ ▁▁` 0 (10) |" in trends_markdown(data)
    svg = ET.fromstring(trends_svg(data, "t"))
    ns = {"s": "http://www.w3.org/2000/svg"}
    new_lines = [p for p in svg.findall("s:polyline", ns)][:2]
    assert [len(p.get("points").split()) for p in new_lines] == [2, 2]  # the gap splits it
    assert [c.get("fill") for c in svg.findall("s:circle", ns)].count("#d1242f") == 4
