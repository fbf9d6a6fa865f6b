"""End-to-end crawls: ``scrapy crawl`` in a subprocess against a WARC replayed on loopback.

A fake outlet (robots.txt with a Sitemap and a Disallow, an RSS feed, a sitemap index → urlset,
a paginated listing, articles, a disallowed article, a tag page, a missing page) is written as a
WARC in ``tmp_path``; the first crawl goes through a replay server owned by the test
(``SNAPSHOT_HOSTS``) so request counts can be asserted, the second lets the handler start its
own server (``SNAPSHOT_WARC``). The last test crawls the bundled snapshot when it exists.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from khabar.run.layout import RunFolder
from khabar.run.records import iter_fetch_records, iter_raw_pages
from snapshot.replay import ReplayServer
from tests.support import ROOT
from tests.support.crawls import (
    ARTICLES,
    BASE,
    DISALLOWED,
    HOST,
    MISSING,
    OLD_ARTICLE,
    REGISTRY,
    SINCE,
    TAG_PAGE,
    VALIDATED,
    count,
    crawl,
    fake_site,
    finish,
    start_crawl,
    write_warc,
)

pytestmark = pytest.mark.integration

@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fake")
    registry = root / "outlets.yaml"
    registry.write_text(REGISTRY, encoding="utf-8")
    return {"root": root, "registry": registry, "warc": write_warc(root / "fake.warc.gz",
                                                                   fake_site())}


@pytest.fixture(scope="module")
def first_run(fake: dict[str, Path]) -> dict[str, object]:
    """Crawl the fake outlet through a test-owned replay server; keep its request counts."""
    run_dir = fake["root"] / "run1"
    with ReplayServer(fake["warc"]) as server:
        hosts = json.dumps(server.addresses)
        crawl("fakeoutlet", run_dir, "-a", f"since={SINCE}", "-s", f"SNAPSHOT_HOSTS={hosts}",
              registry=fake["registry"])
        counts = server.requested_urls()
    return {"run_dir": run_dir, "counts": counts}


def test_stores_each_article_once_with_real_urls(first_run: dict) -> None:
    pages = list(iter_raw_pages(first_run["run_dir"]))
    assert sorted(p.url for p in pages) == sorted(ARTICLES)
    for page in pages:
        assert page.final_url == page.url and page.url.startswith(f"{BASE}/")
        assert page.status == 200 and page.outlet == "fakeoutlet" and page.run_id == "test"
        assert page.headers["content-type"].startswith("text/html")
        assert b"<h1>Article " in page.body
    by_url = {p.url: p for p in pages}
    first = list(ARTICLES)
    assert by_url[first[0]].sources == ["feed", "robots"]
    assert by_url[first[2]].sources == ["listing", "robots"]  # tracking query + fragment gone
    assert by_url[first[4]].sources == ["listing"]
    counts = first_run["counts"]
    assert all(count(counts, url) == 1 for url in ARTICLES), counts


def test_never_requests_disallowed_old_or_non_article_pages(first_run: dict) -> None:
    counts = first_run["counts"]
    for url in (DISALLOWED, TAG_PAGE, OLD_ARTICLE, f"{BASE}/old-sitemap.xml", f"{BASE}/"):
        assert count(counts, url) == 0, url
    # The listing stops at the first page adding nothing new (page 3), before max_pages.
    assert count(counts, f"{BASE}/actualite/page/3/") == 1
    assert count(counts, f"{BASE}/actualite/page/4/") == 0


def test_fetch_records_cover_successes_and_failures(first_run: dict) -> None:
    records = {r.url: r for r in iter_fetch_records(first_run["run_dir"])}
    for url in ARTICLES:
        assert records[url].status == 200 and records[url].error is None
        assert records[url].bytes > 0 and records[url].duration_ms is not None
    assert records[MISSING].status == 404 and records[MISSING].error == "HttpError"
    assert records[DISALLOWED].status is None and records[DISALLOWED].error == "IgnoreRequest"
    assert records[f"{BASE}/feed/"].status == 200


def test_crawl_stats(first_run: dict) -> None:
    stats = json.loads(RunFolder(first_run["run_dir"]).crawl_stats_file("fakeoutlet").read_text())
    assert stats["outlet"] == "fakeoutlet" and stats["finish_reason"] == "finished"
    assert stats["articles_fetched"] == len(ARTICLES)
    assert stats["articles_discovered"] == len(ARTICLES) + 2  # + disallowed + missing
    assert stats["responses_by_status"]["404"] == 1
    assert stats["robots_forbidden"] == 1
    assert stats["errors_by_class"] == {"HttpError": 1, "IgnoreRequest": 1}
    assert stats["skipped_old"] >= 1 and stats["skipped_seen"] == 0
    robots, feed, listing = stats["sources"]
    assert (robots["discovered"], feed["discovered"], listing["discovered"]) == (5, 2, 4)
    assert (robots["only_here"], feed["only_here"], listing["only_here"]) == (1, 0, 2)
    assert stats["found_by_one_source"] == 3


def test_seen_urls_are_not_fetched_again(fake: dict[str, Path], first_run: dict) -> None:
    seen = fake["root"] / "seen.txt"
    seen.write_text("".join(p.url + "\n" for p in iter_raw_pages(first_run["run_dir"])))
    run_dir = fake["root"] / "run2"
    crawl("fakeoutlet", run_dir, "-a", f"since={SINCE}", "-a", f"seen_file={seen}",
          "-s", f"SNAPSHOT_WARC={fake['warc']}", registry=fake["registry"])
    assert list(iter_raw_pages(run_dir)) == []
    fetched = {r.url for r in iter_fetch_records(run_dir)}
    assert fetched.isdisjoint(ARTICLES)
    assert f"{BASE}/feed/" in fetched  # discovery still ran, through the handler's own server
    stats = json.loads(RunFolder(run_dir).crawl_stats_file("fakeoutlet").read_text())
    assert stats["articles_fetched"] == 0 and stats["skipped_seen"] == len(ARTICLES)


def _replayed_crawl(fake: dict[str, Path], run_dir: Path, *args: str) -> dict[str, int]:
    """Crawl the fake outlet through a test-owned replay server; return its request counts."""
    with ReplayServer(fake["warc"]) as server:
        hosts = json.dumps(server.addresses)
        crawl("fakeoutlet", run_dir, *args, "-s", f"SNAPSHOT_HOSTS={hosts}",
              registry=fake["registry"])
        return server.requested_urls()


def _history(fake: dict[str, Path], first_run: dict, older: dict[str, str] | None = None
             ) -> tuple[Path, Path]:
    """seen and known files as the flow writes them after the first run (``older``: fetch
    times to pretend for some URLs)."""
    pages = list(iter_raw_pages(first_run["run_dir"]))
    seen = fake["root"] / "history" / "seen.txt"
    seen.parent.mkdir(exist_ok=True)
    seen.write_text("".join(p.url + "\n" for p in pages))
    known = fake["root"] / "history" / f"known-{len(older or {})}.json"
    known.write_text(json.dumps({p.url: p.fetched_at for p in pages} | (older or {})))
    return seen, known


def test_first_run_writes_feed_and_sitemap_validators(first_run: dict) -> None:
    found = json.loads(RunFolder(first_run["run_dir"]).crawl_validators_file("fakeoutlet")
                       .read_text())
    assert set(found) == set(VALIDATED)
    for url, (etag, last_modified) in VALIDATED.items():
        assert found[url]["etag"] == etag and found[url]["last_modified"] == last_modified
        assert found[url]["fetched_at"].startswith("20")


def test_second_run_gets_304s_and_fetches_no_article(fake: dict[str, Path],
                                                     first_run: dict) -> None:
    seen, known = _history(fake, first_run)
    validators = RunFolder(first_run["run_dir"]).crawl_validators_file("fakeoutlet")
    run_dir = fake["root"] / "run-conditional"
    counts = _replayed_crawl(fake, run_dir, "-a", f"since={SINCE}", "-a", f"seen_file={seen}",
                             "-a", f"known_file={known}", "-a", f"validators_file={validators}")
    records = {r.url: r for r in iter_fetch_records(run_dir)}
    assert records[f"{BASE}/feed/"].status == 304
    assert records[f"{BASE}/sitemap_index.xml"].status == 304
    # An unchanged index: its child sitemaps are not requested at all.
    assert count(counts, f"{BASE}/post-sitemap.xml") == 0
    assert all(count(counts, url) == 0 for url in ARTICLES)
    assert list(iter_raw_pages(run_dir)) == []
    stats = json.loads(RunFolder(run_dir).crawl_stats_file("fakeoutlet").read_text())
    assert stats["sources_not_modified"] == 2 and stats["articles_fetched"] == 0
    assert stats["requests"] < sum(first_run["counts"].values())
    again = json.loads(RunFolder(run_dir).crawl_validators_file("fakeoutlet").read_text())
    assert again[f"{BASE}/feed/"]["etag"] == VALIDATED[f"{BASE}/feed/"][0]


def test_child_sitemaps_conditional_or_skipped_by_index_lastmod(fake: dict[str, Path],
                                                               first_run: dict) -> None:
    seen, known = _history(fake, first_run)
    validators = fake["root"] / "history" / "validators-children.json"
    validators.write_text(json.dumps({
        # fetched before the index's lastmod (2026-11-21): asked again, conditionally → 304
        f"{BASE}/post-sitemap.xml": {"last_modified": VALIDATED[f"{BASE}/post-sitemap.xml"][1],
                                     "fetched_at": "2026-11-01T00:00:00Z"},
        # fetched after the index's lastmod (2019-06-01): not even asked
        f"{BASE}/old-sitemap.xml": {"fetched_at": "2026-01-01T00:00:00Z"},
    }))
    run_dir = fake["root"] / "run-children"
    counts = _replayed_crawl(fake, run_dir, "-a", f"seen_file={seen}", "-a",
                             f"known_file={known}", "-a", f"validators_file={validators}")
    records = {r.url: r for r in iter_fetch_records(run_dir)}
    assert records[f"{BASE}/sitemap_index.xml"].status == 200
    assert records[f"{BASE}/post-sitemap.xml"].status == 304
    assert count(counts, f"{BASE}/old-sitemap.xml") == 0
    stats = json.loads(RunFolder(run_dir).crawl_stats_file("fakeoutlet").read_text())
    assert stats["sitemaps_skipped_unchanged"] == 1 and stats["sources_not_modified"] == 1


def test_known_article_updated_after_its_fetch_is_fetched_again(fake: dict[str, Path],
                                                                first_run: dict) -> None:
    updated = list(ARTICLES)[3]  # its sitemap lastmod is 2026-11-21T11:00+01:00
    seen, known = _history(fake, first_run, older={updated: "2026-11-21T09:59:00Z"})
    run_dir = fake["root"] / "run-updates"
    counts = _replayed_crawl(fake, run_dir, "-a", f"since={SINCE}", "-a", f"seen_file={seen}",
                             "-a", f"known_file={known}")
    assert [p.url for p in iter_raw_pages(run_dir)] == [updated]
    assert count(counts, updated) == 1
    stats = json.loads(RunFolder(run_dir).crawl_stats_file("fakeoutlet").read_text())
    assert stats["articles_refetched_updated"] == 1
    # One minute later than the lastmod: not an update, never fetched again.
    seen, known = _history(fake, first_run, older={updated: "2026-11-21T10:01:00Z"})
    run_dir = fake["root"] / "run-no-updates"
    _replayed_crawl(fake, run_dir, "-a", f"since={SINCE}", "-a", f"known_file={known}")
    assert list(iter_raw_pages(run_dir)) == []


def test_unknown_host_fails_without_going_online(fake: dict[str, Path], tmp_path: Path) -> None:
    registry = tmp_path / "outlets.yaml"
    registry.write_text(REGISTRY.replace(f"{BASE}/feed/", "https://elsewhere.ma/feed/")
                        .replace(f"hosts: [{HOST}]", f"hosts: [{HOST}, elsewhere.ma]"))
    run_dir = tmp_path / "run"
    crawl("fakeoutlet", run_dir, "-a", "max_pages=1", "-s", f"SNAPSHOT_WARC={fake['warc']}",
          registry=registry, clean=False)  # robots.txt middleware logs the refusal
    records = {r.url: r for r in iter_fetch_records(run_dir)}
    assert records["https://elsewhere.ma/feed/"].error == "NotInSnapshotError"
    assert len(list(iter_raw_pages(run_dir))) == 1  # max_pages caps the article fetches


def test_loopback_request_keeps_the_real_host_and_skips_proxies() -> None:
    from scrapy import Request

    from spiders.snapshot_handler import NotInSnapshotError, loopback_request

    request = Request(f"{BASE}/feed/?paged=2#x", meta={"proxy": "http://proxy:3128", "k": 1})
    local = loopback_request(request, {HOST: "127.0.0.11:8011"})
    assert local.url == "http://127.0.0.11:8011/feed/?paged=2"
    assert local.headers[b"Host"] == HOST.encode()
    assert local.meta == {"k": 1} and request.meta["proxy"] == "http://proxy:3128"
    with pytest.raises(NotInSnapshotError):
        loopback_request(Request("https://elsewhere.ma/"), {HOST: "127.0.0.11:8011"})


SNAPSHOT_WARC = ROOT / "snapshot" / "outlets.warc.gz"
SNAPSHOT_OUTLETS = ("lebrief", "maghress_fr", "lepetitjournalmarocain")


@pytest.fixture(scope="module")
def bundled_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Crawl the three snapshot outlets at once (one process each, as the flow does)."""
    if not SNAPSHOT_WARC.exists():
        pytest.skip("snapshot/outlets.warc.gz not built (run python -m snapshot.build)")
    run_dir = tmp_path_factory.mktemp("bundled")
    processes = [start_crawl(outlet, run_dir, "-s", f"SNAPSHOT_WARC={SNAPSHOT_WARC}")
                 for outlet in SNAPSHOT_OUTLETS]
    for process in processes:
        finish(process)
    return {"run_dir": run_dir}


@pytest.mark.parametrize("outlet", SNAPSHOT_OUTLETS)
def test_bundled_snapshot_articles_all_fetched(outlet: str, bundled_runs: dict[str, Path]) -> None:
    from snapshot import load_expected, load_non_articles

    run_dir = bundled_runs["run_dir"]
    expected = {r["url"] for r in load_expected() if r["outlet"] == outlet}
    # A soft 404 looks like an article until fetched: extraction rejects it, not the crawler.
    not_articles = {r["url"] for r in load_non_articles() if r["kind"] != "soft_404"}
    fetched = [p.url for p in iter_raw_pages(RunFolder(run_dir).raw_file(outlet))]
    assert len(fetched) == len(set(fetched))
    assert expected <= set(fetched), sorted(expected - set(fetched))
    assert not not_articles & set(fetched)
    stats = json.loads(RunFolder(run_dir).crawl_stats_file(outlet).read_text())
    assert stats["articles_fetched"] == len(fetched) and stats["finish_reason"] == "finished"


@pytest.fixture(scope="module")
def bundled_second_runs(bundled_runs: dict[str, Path],
                        tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The next night: each outlet crawled again with what the flow would pass from the
    warehouse after the first run (seen URLs, their fetch times, feed/sitemap validators)."""
    first = bundled_runs["run_dir"]
    run_dir = tmp_path_factory.mktemp("bundled2")
    processes = []
    for outlet in SNAPSHOT_OUTLETS:
        pages = list(iter_raw_pages(RunFolder(first).raw_file(outlet)))
        seen = run_dir / "in" / f"{outlet}.seen.txt"
        seen.parent.mkdir(parents=True, exist_ok=True)
        seen.write_text("".join(f"{p.url}\n" for p in pages))
        known = run_dir / "in" / f"{outlet}.known.json"
        known.write_text(json.dumps({p.url: p.fetched_at for p in pages}))
        validators = RunFolder(first).crawl_validators_file(outlet)
        processes.append(start_crawl(
            outlet, run_dir, "-a", f"seen_file={seen}", "-a", f"known_file={known}",
            "-a", f"validators_file={validators}", "-s", f"SNAPSHOT_WARC={SNAPSHOT_WARC}"))
    for process in processes:
        finish(process)
    return {"run_dir": run_dir}


def test_bundled_second_run_fetches_no_article_and_fewer_requests(
        bundled_runs: dict[str, Path], bundled_second_runs: dict[str, Path]) -> None:
    rows = {}
    for outlet in SNAPSHOT_OUTLETS:
        first = json.loads(RunFolder(bundled_runs["run_dir"]).crawl_stats_file(outlet).read_text())
        second = json.loads(
            RunFolder(bundled_second_runs["run_dir"]).crawl_stats_file(outlet).read_text())
        articles = {p.url for p in
                    iter_raw_pages(RunFolder(bundled_runs["run_dir"]).raw_file(outlet))}
        fetched = {r.url for r in iter_fetch_records(
            RunFolder(bundled_second_runs["run_dir"]).fetches_file(outlet))}
        assert second["articles_fetched"] == 0 and second["articles_requested"] == 0
        assert not fetched & articles
        assert second["requests"] < first["requests"], (outlet, first, second)
        assert second["finish_reason"] == "finished"
        rows[outlet] = {"first": first["requests"], "second": second["requests"],
                        "articles_first": first["articles_fetched"],
                        "not_modified_second": second["sources_not_modified"]}
    assert sum(r["not_modified_second"] for r in rows.values()) > 0  # 304s for feeds/sitemaps
    print("\nrequests per outlet, first and second run:", json.dumps(rows, indent=1))
    (bundled_second_runs["run_dir"] / "request_counts.json").write_text(json.dumps(rows))
