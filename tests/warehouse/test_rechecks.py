"""Edits after publication (issue 14): which stored articles are re-checked, and the crawl's
conditional re-check (a 304 stores nothing, a changed page is stored, a sitemap lastmod wins)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from khabar.run.layout import RunFolder
from khabar.run.records import iter_fetch_records, iter_raw_pages
from snapshot.replay import ReplayServer
from tests.support.crawls import ARTICLES, BASE, REGISTRY, SINCE, crawl, fake_site, write_warc
from tests.support.runs import T0, art, words, write_run
from warehouse import connect
from warehouse.load import load_run
from warehouse.rechecks import due_rechecks


@pytest.fixture
def con(tmp_path: Path):
    connection = connect(tmp_path / "news.duckdb")
    yield connection
    connection.close()


def _load(con: duckdb.DuckDBPyConnection, root: Path, run_id: str, fetched, *pages) -> None:
    load_run(con, run_id, write_run(root / run_id, run_id, list(pages), fetched_at=fetched))


def test_due_after_one_day_and_one_week_bounded_with_validators(con, tmp_path: Path) -> None:
    now = T0 + timedelta(hours=30)
    _load(con, tmp_path, "r0", T0 - timedelta(days=9),
          art("lebrief", "week-old", words(1), published_at=T0 - timedelta(days=9)))
    _load(con, tmp_path, "r1", T0 + timedelta(hours=1),
          art("lebrief", "day-old", words(2), published_at=T0),
          art("lebrief", "fresh", words(3), published_at=T0 + timedelta(hours=20)),
          art("lebrief", "checked", words(4), published_at=T0 - timedelta(days=2)),
          art("lebrief", "ancient", words(5), published_at=T0 - timedelta(days=40)),
          art("le360", "other-outlet", words(6), published_at=T0))
    con.execute("update pages set headers = '{\"etag\": \"\\\"v1\\\"\", "
                "\"last-modified\": \"Sun, 01 Mar 2026 08:00:00 GMT\"}' "
                "where url like '%day-old'")
    # "checked" was fetched at publication (T0 - 2 days) and re-checked (304) since its mark.
    con.execute("update articles set last_seen = published_at, first_seen = published_at "
                "where url like '%checked'")
    con.execute("insert into fetches values ('r1', 'lebrief', 'https://lebrief.ma/checked', "
                "304, null, 0, 5.0, ?)", [T0 - timedelta(hours=12)])
    due = due_rechecks(con, "lebrief", now)
    assert list(due) == ["https://lebrief.ma/day-old", "https://lebrief.ma/week-old"]
    assert due["https://lebrief.ma/day-old"] == {
        "etag": '"v1"', "last_modified": "Sun, 01 Mar 2026 08:00:00 GMT", "due": "1 day"}
    assert due["https://lebrief.ma/week-old"]["due"] == "7 days"
    assert list(due_rechecks(con, "lebrief", now, limit=1)) == ["https://lebrief.ma/day-old"]
    # Re-checked tonight (a 304): not due again until its next mark.
    con.execute("insert into fetches values ('r2', 'lebrief', 'https://lebrief.ma/day-old', "
                "304, null, 0, 5.0, ?)", [now])
    assert list(due_rechecks(con, "lebrief", now + timedelta(hours=2))) == [
        "https://lebrief.ma/week-old"]
    later = due_rechecks(con, "lebrief", T0 + timedelta(days=7, hours=1))
    assert later["https://lebrief.ma/day-old"]["due"] == "7 days"
    assert later["https://lebrief.ma/fresh"]["due"] == "1 day"  # the earliest mark goes first
    assert list(later)[0] == "https://lebrief.ma/fresh"


@pytest.mark.integration
def test_crawl_rechecks_conditionally_and_skips_lastmod(tmp_path: Path) -> None:
    urls = list(ARTICLES)
    no_lastmod = urls[4]  # only on the listing: no sitemap lastmod
    registry = tmp_path / "outlets.yaml"
    registry.write_text(REGISTRY, encoding="utf-8")
    warc = write_warc(tmp_path / "site.warc.gz", fake_site(),
                      validated={no_lastmod: ('"v5"', None)})
    seen = tmp_path / "seen.txt"
    seen.write_text("".join(u + "\n" for u in urls))
    results = {}
    for name, etag in (("unchanged", '"v5"'), ("changed", '"v4"')):
        recheck = tmp_path / f"{name}.json"
        recheck.write_text(json.dumps({
            no_lastmod: {"etag": etag, "last_modified": None, "due": "1 day"},
            urls[0]: {"etag": '"x"', "last_modified": None, "due": "1 day"},  # has a lastmod
        }))
        run_dir = tmp_path / name
        with ReplayServer(warc) as server:
            crawl("fakeoutlet", run_dir, "-a", f"since={SINCE}", "-a", f"seen_file={seen}",
                  "-a", f"recheck_file={recheck}",
                  "-s", f"SNAPSHOT_HOSTS={json.dumps(server.addresses)}", registry=registry)
            counts = server.requested_urls()
        stats = json.loads(RunFolder(run_dir).crawl_stats_file("fakeoutlet").read_text())
        results[name] = (counts, stats, run_dir)
    counts, stats, run_dir = results["unchanged"]
    assert list(iter_raw_pages(run_dir)) == []
    assert {r.url: r.status for r in iter_fetch_records(run_dir)}[no_lastmod] == 304
    assert counts.get(urls[0].removeprefix("https://"), 0) == 0
    assert (stats["recheck_listed"], stats["recheck_requested"], stats["recheck_skipped_lastmod"],
            stats["recheck_not_modified"]) == (2, 1, 1, 1)
    counts, stats, run_dir = results["changed"]
    pages = list(iter_raw_pages(run_dir))
    assert [(p.url, p.status, p.sources) for p in pages] == [
        (no_lastmod, 200, ["listing", "recheck"])]
    assert stats["recheck_not_modified"] == 0
    assert BASE in no_lastmod
