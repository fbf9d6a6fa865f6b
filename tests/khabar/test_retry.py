"""The retry policy has one owner, ``khabar.retry``: the crawl's Scrapy settings and backoff,
the warehouse's classification of failed fetches and the flow's task retries all read it."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from khabar import retry
from khabar.retry import PERMANENT_ERRORS, FetchError, backoff_delay, parse_retry_after


@pytest.mark.parametrize("name", [e.value for e in FetchError if e.value.endswith("Error")])
def test_every_named_error_class_is_one_the_crawl_raises(name: str) -> None:
    """A fetch record's ``error`` is the exception class's name: a renamed class would make the
    policy classify a permanent refusal as transient, silently."""
    found = [getattr(importlib.import_module(f"spiders.{m}"), name, None)
             for m in ("guard", "limits", "snapshot_handler")]
    assert any(isinstance(cls, type) and issubclass(cls, Exception) for cls in found), name


def test_the_crawl_settings_are_the_policys() -> None:
    from spiders import settings

    assert settings.RETRY_HTTP_CODES == list(retry.RETRY_HTTP_CODES)
    assert settings.RETRY_TIMES == retry.RETRY_TIMES
    assert (settings.BACKOFF_BASE_DELAY, settings.BACKOFF_JITTER, settings.BACKOFF_MAX_DELAY) == (
        retry.BACKOFF_BASE_DELAY, retry.BACKOFF_JITTER, retry.BACKOFF_MAX_DELAY)


def test_backoff_doubles_honours_retry_after_and_gives_up_beyond_the_cap() -> None:
    assert backoff_delay(1, base=2, max_delay=120, rand=0) == 2
    assert backoff_delay(3, base=2, max_delay=120, jitter=0.1, rand=0.5) == pytest.approx(8.4)
    assert backoff_delay(9, base=2, max_delay=120, rand=0) == 120
    assert backoff_delay(1, base=2, max_delay=120, retry_after=30) == 30
    assert backoff_delay(1, base=2, max_delay=120, retry_after=3600) is None
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert parse_retry_after("Sun, 23 Nov 2026 10:01:00 GMT", now) == 60
    assert parse_retry_after(b"7") == 7 and parse_retry_after("soon") is None


def test_the_warehouse_never_retries_what_the_policy_calls_permanent(tmp_path: Path) -> None:
    """Every refusal the policy calls permanent is left out of tomorrow's retry file; the same
    URL failing with a transient error is in it (the policy's lists are bound into the
    warehouse's query)."""
    import warehouse
    from warehouse.retries import failed_fetches

    urls = {str(error): f"https://lebrief.ma/{i}-245000/"
            for i, error in enumerate([*PERMANENT_ERRORS, "DownloadTimeoutError"])}
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        for error, url in urls.items():
            con.execute("insert into fetches (run_id, outlet, url, status, error) "
                        "values ('r1', 'lebrief', ?, null, ?)", [url, error])
        found = {f.url for f in failed_fetches(con, "lebrief")}
    assert found == {urls["DownloadTimeoutError"]}
