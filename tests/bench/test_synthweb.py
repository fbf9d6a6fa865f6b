"""The synthetic web of the benchmarks (``bench/synthweb``), at a small scale.

Three outlets (one per snapshot theme) of 30 articles: the generator is deterministic, its pages
extract to distinct articles (aggregator copies naming their originals), the registry it writes
lets a real ``scrapy crawl`` discover every article, the server waits out its latency for every
request at once, answers conditional GETs with 304, and a second night adds only a few articles
that an incremental crawl fetches alone.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.synthweb import SynthServer, SynthWeb, WebConfig, control, write_registry
from bench.synthweb.crawling import synthetic_crawls
from khabar.run.layout import RunFolder
from khabar.run.records import iter_fetch_records, iter_raw_pages
from pipeline.crawl import crawl_outlet
from registry import load_outlets
from transforms.dedup import content_hash
from transforms.extract import extract_article
from transforms.record import Verdict

ANCHOR = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# Child sitemaps of 10 URLs: a second night changes only the last one.
CONFIG = WebConfig(outlets=3, articles=90, days=3, anchor=ANCHOR, new_per_night=3,
                   sitemap_size=10, themes=("lebrief", "lepetitjournalmarocain", "maghress_fr"))
SINCE = date(2026, 11, 16)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _get(address: str, host: str, path: str, headers: dict[str, str] | None = None
         ) -> tuple[int, dict[str, str], bytes]:
    ip, _, port = address.rpartition(":")
    connection = http.client.HTTPConnection(ip, int(port), timeout=30)
    try:
        connection.request("GET", path, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def web() -> SynthWeb:
    return SynthWeb(CONFIG)


def test_same_config_same_bytes_other_seed_other_text(web: SynthWeb) -> None:
    again, other = SynthWeb(CONFIG), SynthWeb(replace(CONFIG, seed=CONFIG.seed + 1))
    blog, journal, aggregator = web.outlets
    paths = {blog: ["/feed/", "/sitemap_index.xml", "/post-sitemap.xml", "/robots.txt",
                    "/rubrique-politique/"],
             journal: ["/news-sitemap.xml", "/category/national/"],
             aggregator: ["/fr", f"/fr/{blog.id}"]}
    for outlet in web.outlets:
        paths[outlet].append(_path(web.article_urls(outlet)[7]))
        for path in paths[outlet]:
            page = web.page(outlet.host, path)
            assert page.status == 200, (outlet.id, path)
            assert page.body == again.page(outlet.host, path).body, (outlet.id, path)
    assert web.article(blog, 7).text != other.article(blog, 7).text


def test_articles_are_varied_and_dated_over_recent_days(web: SynthWeb) -> None:
    for outlet in web.outlets[:2]:
        texts = [web.article(outlet, j).text for j in range(web.count(outlet))]
        assert len({t.title for t in texts}) >= 0.9 * len(texts)
        paragraphs = Counter(p for t in texts for p in t.paragraphs)
        assert paragraphs.most_common(1)[0][1] <= 2, "a paragraph recurs across pages"
        dates = [web.published(outlet, j) for j in range(web.count(outlet))]
        assert dates == sorted(dates) and dates[-1] <= ANCHOR
        assert dates[-1] - dates[0] >= timedelta(days=CONFIG.days - 1)


def test_registry_validates_and_matches_article_urls_only(web: SynthWeb, tmp_path: Path) -> None:
    outlets = load_outlets(write_registry(web, tmp_path / "outlets.yaml"))
    assert list(outlets) == [o.id for o in web.outlets]
    for outlet in web.outlets:
        entry = outlets[outlet.id]
        assert all(entry.is_article_url(url) for url in web.article_urls(outlet))
        assert not any(entry.is_article_url(s.url.replace("{page}", "2")) for s in entry.sources)
        assert entry.aggregator is outlet.aggregator


def test_pages_extract_to_distinct_articles(web: SynthWeb, tmp_path: Path) -> None:
    hints = {o.id: o.extraction_hints
             for o in load_outlets(write_registry(web, tmp_path / "r.yaml")).values()}
    originals: dict[str, str] = {}  # url → content hash
    copies = []
    for outlet in web.outlets:
        for j in range(web.count(outlet)):
            view = web.article(outlet, j)
            page = web.page(outlet.host, _path(view.url))
            article = extract_article(page.body, view.url, outlet=outlet.id,
                                      headers={"content-type": page.content_type},
                                      hints=hints[outlet.id])
            assert article.verdict == Verdict.ARTICLE, (view.url, article.reason)
            assert article.title == view.title
            assert article.published_at is not None
            if outlet.aggregator:
                copies.append((article, view.original.url))
            else:
                originals[view.url] = content_hash(article.text)
    assert len(set(originals.values())) == len(originals), "two originals extract alike"
    for copy, original_url in copies:
        assert copy.original_url == original_url
        assert copy.original_outlet


def test_latency_is_waited_out_for_every_request_at_once(web: SynthWeb) -> None:
    latency = 0.2
    outlet = web.outlets[0]
    paths = [_path(url) for url in web.article_urls(outlet)[:8]]
    with SynthServer(SynthWeb(CONFIG), latency=latency) as server:
        address = server.addresses[outlet.host]

        def timed(path: str) -> float:
            started = time.perf_counter()
            status, _, _ = _get(address, outlet.host, path)
            assert status == 200
            return time.perf_counter() - started

        assert timed(paths[0]) >= latency
        started = time.perf_counter()
        with ThreadPoolExecutor(len(paths)) as pool:
            each = list(pool.map(timed, paths))
        together = time.perf_counter() - started
        assert min(each) >= latency
        # Eight requests in flight at once: far less than eight latencies one after another.
        assert together < len(paths) * latency / 2
        assert control(server.addresses, "stats")["max_in_flight"] >= 2


def test_conditional_gets_and_the_second_night(web: SynthWeb) -> None:
    night_web = SynthWeb(CONFIG)
    blog = night_web.outlets[0]
    with SynthServer(night_web) as server:
        address = server.addresses[blog.host]
        status, headers, feed = _get(address, blog.host, "/feed/")
        assert status == 200 and headers["etag"] and headers["last-modified"]
        for conditional in ({"If-None-Match": headers["etag"]},
                            {"If-Modified-Since": headers["last-modified"]}):
            status, again, body = _get(address, blog.host, "/feed/", conditional)
            assert (status, body, again["etag"]) == (304, b"", headers["etag"])
        newcomer = night_web.count(blog)  # the first article of night 2
        assert night_web.article(blog, newcomer).url not in feed.decode()
        assert _get(address, blog.host, "/sitemap_index.xml")[0] == 200

        assert control(server.addresses, "night?n=2")["night"] == 2
        status, after, feed = _get(address, blog.host, "/feed/",
                                   {"If-None-Match": headers["etag"]})
        assert status == 200 and after["etag"] != headers["etag"]
        assert night_web.article(blog, newcomer).url in feed.decode()
        assert _get(address, blog.host, _path(night_web.article(blog, newcomer).url))[0] == 200
        stats = control(server.addresses, "stats")
        assert stats["by_status"]["304"] == 2 and stats["by_kind"]["not_modified"] == 2


@pytest.mark.integration
@pytest.mark.parametrize("per_domain", [1, 3])
def test_a_crawl_never_has_more_than_its_per_domain_cap_in_flight(
    tmp_path: Path, per_domain: int
) -> None:
    """Over real HTTP with 100 ms per response and no throttling delay, the server sees at most
    ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests at once, and with 3 it does see several."""
    web = SynthWeb(replace(CONFIG, outlets=1, articles=40))
    registry = write_registry(web, tmp_path / "outlets.yaml")
    free = {"AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": str(per_domain)}
    with SynthServer(web, latency=0.1) as server, \
            synthetic_crawls(registry, server.addresses, free) as settings:
        result = crawl_outlet(web.outlets[0].id, tmp_path / "run", "run", since=SINCE,
                              max_pages=40, timeout=120, settings=settings)
        stats = control(server.addresses, "stats")
    assert result.returncode == 0, Path(result.log_path).read_text()[-3000:]
    assert result.stats["articles_fetched"] == 40
    assert stats["max_in_flight"] == per_domain


def test_crawls_find_every_article_then_only_the_new_ones(tmp_path: Path) -> None:
    """Real ``scrapy crawl`` processes (started as the flow starts them) against the server."""
    night_web = SynthWeb(CONFIG)
    registry = write_registry(night_web, tmp_path / "outlets.yaml")
    fast = {"AUTOTHROTTLE_START_DELAY": "0.05", "AUTOTHROTTLE_MAX_DELAY": "0.5"}

    def crawl_all(run: str, **state: object) -> dict[str, object]:
        with synthetic_crawls(registry, server.addresses, fast) as settings, \
                ThreadPoolExecutor(3) as pool:
            futures = {o.id: pool.submit(crawl_outlet, o.id, tmp_path / run, run, since=SINCE,
                                         max_pages=500, timeout=120, settings=settings,
                                         **{k: v[o.id] for k, v in state.items()})
                       for o in night_web.outlets}
            results = {oid: f.result() for oid, f in futures.items()}
        for result in results.values():
            assert result.returncode == 0, Path(result.log_path).read_text()[-3000:]
        return results

    def stored(run: str, outlet: str) -> list[str]:
        return [p.url for p in iter_raw_pages(RunFolder(tmp_path / run).raw_file(outlet))]

    with SynthServer(night_web, latency=0.01) as server:
        first = crawl_all("night1")
        seen, validators = {}, {}
        for outlet in night_web.outlets:
            urls = stored("night1", outlet.id)
            assert sorted(urls) == sorted(night_web.article_urls(outlet)), outlet.id
            seen[outlet.id] = tmp_path / f"{outlet.id}.seen.txt"
            seen[outlet.id].write_text("".join(f"{u}\n" for u in urls))
            validators[outlet.id] = RunFolder(tmp_path / "night1").crawl_validators_file(outlet.id)
        old = {o.id: set(night_web.article_urls(o)) for o in night_web.outlets}

        night_web.set_night(2, at=datetime.now(UTC) + timedelta(seconds=5))
        second = crawl_all("night2", seen_file=seen, validators_file=validators)
    for outlet in night_web.outlets:
        new = set(night_web.article_urls(outlet)) - old[outlet.id]
        assert len(new) == CONFIG.new_per_night
        assert sorted(stored("night2", outlet.id)) == sorted(new), outlet.id
        requests_1 = first[outlet.id].stats["requests"]
        requests_2 = second[outlet.id].stats["requests"]
        assert requests_2 <= requests_1 / 2, (outlet.id, requests_1, requests_2)
        fetched = {r.url for r in iter_fetch_records(
            RunFolder(tmp_path / "night2").fetches_file(outlet.id))}
        assert not fetched & old[outlet.id]
    skipped = sum(second[o.id].stats["sitemaps_skipped_unchanged"] for o in night_web.outlets)
    assert skipped >= 2  # unchanged child sitemaps (lastmod not newer) are not even requested
    assert json.loads(validators[night_web.outlets[0].id].read_text())


def test_server_thread_stops_cleanly(web: SynthWeb) -> None:
    before = threading.active_count()
    server = SynthServer(SynthWeb(CONFIG))
    server.start()
    _get(server.addresses[web.outlets[1].host], web.outlets[1].host, "/robots.txt")
    server.stop()
    assert threading.active_count() <= before


def test_server_process_gets_the_same_configuration() -> None:
    """``SynthWebProcess`` passes its config on the command line: nothing may be lost."""
    from bench.synthweb.__main__ import parse_config
    from bench.synthweb.server import config_args

    assert parse_config(config_args(CONFIG))[0] == CONFIG
