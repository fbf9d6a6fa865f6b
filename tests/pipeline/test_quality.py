"""pipeline.quality: the checks of a night against each outlet's history, on fabricated histories.
No Prefect server, no crawl."""

from __future__ import annotations

from datetime import date

from pipeline.quality import QualityThresholds, check_outlet, check_run, quality_markdown
from pipeline.report import run_markdown
from tests.support.runs import REPORT_FEED as FEED
from tests.support.runs import report_row as _row

TH = QualityThresholds()


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
