"""Politeness and robustness over real HTTP: retries with backoff and Retry-After, timeouts,
redirects off the outlet's hosts or into robots.txt-disallowed paths, private addresses, the
User-Agent and per-outlet politeness settings.

A test outlet lives on a :class:`tests.support.faultserver.FaultServer` at 127.0.0.21 (``http://``
URLs, registry hosts ``[127.0.0.21]``), crawled *without* the snapshot handler, as the live web
would be; loopback is reachable only because the crawl passes ``-s KHABAR_ALLOW_PRIVATE=True``.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from khabar.retry import backoff_delay, parse_retry_after
from khabar.run.layout import RunFolder
from khabar.run.records import iter_fetch_records, iter_raw_pages
from spiders.guard import is_public_address
from tests.support.crawls import crawl
from tests.support.faultserver import FaultServer, Reply

integration = pytest.mark.integration
USER_AGENT = "KhabarTest/1.0 (+https://example.org/khabar-contact)"
FAST = ["-s", "AUTOTHROTTLE_START_DELAY=0.01", "-s", "AUTOTHROTTLE_MAX_DELAY=0.2",
        "-s", "BACKOFF_BASE_DELAY=0.2", "-s", "BACKOFF_MAX_DELAY=5", "-s", "DOWNLOAD_TIMEOUT=1",
        "-s", f"KHABAR_USER_AGENT={USER_AGENT}"]

ARTICLES = {  # path → what the server does
    "/a/flaky-503/": "503 with Retry-After: 1 (seconds), then 200",
    "/a/busy-429/": "429 with Retry-After as an HTTP date, then 200",
    "/a/stall/": "stalls beyond DOWNLOAD_TIMEOUT once, then 200",
    "/a/down-503/": "503 every time: retried RETRY_TIMES, then given up",
    "/a/closed-503/": "503 with Retry-After: 3600: beyond BACKOFF_MAX_DELAY, not retried",
    "/a/moved-away/": "301 to another host",
    "/a/moved-private/": "302 to a path robots.txt disallows",
    "/a/moved-home/": "301 to another article path on the same host",
    "/a/plain/": "200",
}


def _registry(path: Path, base: str, host: str, extra_hosts: str = "") -> Path:
    pattern = base.replace(".", "\\.") + "/a/[a-z0-9-]+/$"
    path.write_text(f"""
outlets:
  - id: faulty
    name: Faulty Outlet
    home: {base}/
    hosts: [{host}{extra_hosts}]
    politeness: {{concurrency: 8}}
    sources:
      - {{kind: listing, url: "{base}/list/"}}
    article_patterns: ['^{pattern}']
""", encoding="utf-8")
    return path


def _page(title: str, links: list[str] = ()) -> str:
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{anchors}</body></html>"


def _http_date_in(seconds: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("faulty")
    ok = {"Content-Type": "text/html; charset=utf-8"}
    with FaultServer("127.0.0.21") as server, FaultServer("127.0.0.22") as elsewhere:
        server.route("/robots.txt", Reply(200, {"Content-Type": "text/plain"},
                                          b"User-agent: *\nDisallow: /a/private/\n"))
        server.html("/list/", _page("Liste", [*ARTICLES, "/a/private/secret/"]))
        server.route("/a/flaky-503/", Reply(503, {"Retry-After": "1"}),
                     Reply(200, ok, b"<h1>flaky</h1>"))
        server.route("/a/busy-429/", Reply(429, {"Retry-After": lambda: _http_date_in(1)}),
                     Reply(200, ok, b"<h1>busy</h1>"))
        server.route("/a/stall/", Reply(200, ok, b"late", delay=3),
                     Reply(200, ok, b"<h1>stall</h1>"))
        server.route("/a/down-503/", Reply(503))
        server.route("/a/closed-503/", Reply(503, {"Retry-After": "3600"}))
        server.redirect("/a/moved-away/", elsewhere.url("/a/moved-away/"))
        server.redirect("/a/moved-private/", "/a/private/secret/", status=302)
        server.redirect("/a/moved-home/", "/a/plain-home/")
        server.html("/a/plain-home/", _page("home"))
        server.html("/a/plain/", _page("plain"))
        server.html("/a/private/secret/", _page("secret"))
        elsewhere.html("/a/moved-away/", _page("elsewhere"))
        registry = _registry(root / "outlets.yaml", server.base, server.address)
        run_dir = root / "run"
        started = time.monotonic()
        crawl("faulty", run_dir, *FAST, "-s", "KHABAR_ALLOW_PRIVATE=True", registry=registry,
              clean=False)
        seconds = time.monotonic() - started
        yield {"server": server, "elsewhere": elsewhere, "run_dir": run_dir, "seconds": seconds,
               "records": list(iter_fetch_records(run_dir)),
               "stats": json.loads(RunFolder(run_dir).crawl_stats_file("faulty").read_text())}


def _records(faulty: dict, path: str) -> list:
    url = faulty["server"].url(path)
    return [r for r in faulty["records"] if r.url == url]


@integration
def test_retries_503_and_429_after_retry_after(faulty: dict) -> None:
    server = faulty["server"]
    assert server.count("/a/flaky-503/") == 2 and server.count("/a/busy-429/") == 2
    for path in ("/a/flaky-503/", "/a/busy-429/"):
        (record,) = _records(faulty, path)
        assert record.status == 200 and record.error is None
    stats = faulty["stats"]
    assert stats["backoff_seconds"] >= 1.0  # the 503 said "Retry-After: 1"


@integration
def test_timeout_is_retried_with_backoff(faulty: dict) -> None:
    assert faulty["server"].count("/a/stall/") == 2
    (record,) = _records(faulty, "/a/stall/")
    assert record.status == 200


@integration
def test_gives_up_after_retry_times_and_records_the_failure(faulty: dict) -> None:
    assert faulty["server"].count("/a/down-503/") == 3  # RETRY_TIMES = 2
    (record,) = _records(faulty, "/a/down-503/")
    assert (record.status, record.error) == (503, "HttpError")


@integration
def test_retry_after_beyond_the_cap_is_not_retried_early(faulty: dict) -> None:
    assert faulty["server"].count("/a/closed-503/") == 1
    (record,) = _records(faulty, "/a/closed-503/")
    assert (record.status, record.error) == (503, "HttpError")


@integration
def test_redirect_to_another_host_is_dropped_and_recorded(faulty: dict) -> None:
    assert faulty["elsewhere"].log == []
    (record,) = _records(faulty, "/a/moved-away/")
    assert (record.status, record.error) == (301, "OffsiteRedirectError")
    assert faulty["stats"]["offsite_redirects"] == 1


@integration
def test_redirect_into_a_disallowed_path_is_not_followed(faulty: dict) -> None:
    server = faulty["server"]
    assert server.count("/a/private/secret/") == 0
    assert server.count("/a/moved-private/") == 1
    (record,) = _records(faulty, "/a/moved-private/")
    assert (record.status, record.error) == (None, "IgnoreRequest")
    assert faulty["stats"]["robots_forbidden"] == 1


@integration
def test_redirect_within_the_hosts_is_followed(faulty: dict) -> None:
    pages = {p.url: p for p in iter_raw_pages(faulty["run_dir"])}
    page = pages[faulty["server"].url("/a/moved-home/")]
    assert page.final_url == faulty["server"].url("/a/plain-home/") and page.status == 200


@integration
def test_every_request_carries_the_configured_user_agent(faulty: dict) -> None:
    agents = {seen.headers.get("user-agent") for seen in faulty["server"].log}
    assert agents == {USER_AGENT}


@integration
def test_the_whole_crawl_stays_fast(faulty: dict) -> None:
    assert set(p.url for p in iter_raw_pages(faulty["run_dir"])) == {
        faulty["server"].url(p) for p in
        ("/a/flaky-503/", "/a/busy-429/", "/a/stall/", "/a/moved-home/", "/a/plain/")}
    assert faulty["seconds"] < 20, faulty["seconds"]


@integration
def test_private_addresses_are_refused_by_default(tmp_path: Path) -> None:
    with FaultServer("127.0.0.23") as server:
        server.html("/list/", _page("Liste", ["/a/plain/"]))
        server.html("/a/plain/", _page("plain"))
        registry = _registry(tmp_path / "outlets.yaml", server.base, server.address,
                             extra_hosts=", localhost")
        # A second source on a host *name* that resolves to loopback: refused after DNS.
        by_name = server.url("/feed/").replace(server.address, "localhost")
        feed = f"      - {{kind: feed, url: '{by_name}'}}\n"
        text = registry.read_text().replace("    article_patterns", feed + "    article_patterns")
        registry.write_text(text)
        run_dir = tmp_path / "run"
        listing = server.url("/list/")
        crawl("faulty", run_dir, *FAST, registry=registry, clean=False)
        assert server.log == []  # not even robots.txt
    records = {r.url: r for r in iter_fetch_records(run_dir)}
    assert records[listing].error == "PrivateAddressError"
    assert records[by_name].error == "PrivateAddressError"
    stats = json.loads(RunFolder(run_dir).crawl_stats_file("faulty").read_text())
    assert stats["private_addresses_refused"] == 2


# -- plain functions and settings (no crawl) ----------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("120", 120.0), (b" 5 ", 5.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None),
    (None, None), ("-3", None),
])
def test_parse_retry_after(value: str | bytes | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date_in_the_future() -> None:
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 23 Nov 2026 02:01:30 GMT", now=now) == 90.0


def test_backoff_delay_doubles_is_capped_and_honours_retry_after() -> None:
    delays = [backoff_delay(n, base=2, max_delay=10, rand=0) for n in (1, 2, 3, 4)]
    assert delays == [2, 4, 8, 10]
    assert backoff_delay(1, base=2, max_delay=10, jitter=0.5, rand=0.5) == 2.5
    assert backoff_delay(3, base=2, max_delay=10, retry_after=7) == 7
    assert backoff_delay(1, base=2, max_delay=10, retry_after=0) == 0
    assert backoff_delay(1, base=2, max_delay=10, retry_after=11) is None  # don't retry early


@pytest.mark.parametrize(("address", "public"), [
    ("8.8.8.8", True), ("2606:4700::1111", True), ("127.0.0.21", False), ("10.1.2.3", False),
    ("192.168.0.1", False), ("172.16.0.1", False), ("169.254.169.254", False), ("::1", False),
    ("fe80::1", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("::ffff:127.0.0.1", False), ("[::1]", False), ("lebrief.ma", False),
])
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_registry_politeness_and_user_agent_reach_the_settings() -> None:
    from scrapy.settings import Settings

    from registry.model import Outlet
    from spiders.outlets import spider_class

    outlet = Outlet.model_validate({
        "id": "polite", "name": "Polite", "home": "https://p.ma/", "hosts": ["p.ma"],
        "sources": [{"kind": "feed", "url": "https://p.ma/feed/"}],
        "article_patterns": ["^https://p\\.ma/"],
        "politeness": {"concurrency": 2, "delay": 3.0},
    })
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    settings.set("KHABAR_USER_AGENT", USER_AGENT, priority="cmdline")
    spider_class(outlet).update_settings(settings)
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert settings.getint("CONCURRENT_REQUESTS") == 2  # the per-domain cap, enforced
    assert settings.getfloat("DOWNLOAD_DELAY") == 3.0
    assert settings.getfloat("AUTOTHROTTLE_START_DELAY") == 3.0
    assert settings["USER_AGENT"] == USER_AGENT
    assert settings.getbool("AUTOTHROTTLE_ENABLED") and settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getint("DOWNLOAD_TIMEOUT") == 30
    assert settings.getint("DOWNLOAD_MAXSIZE") > settings.getint("DOWNLOAD_WARNSIZE") > 0
    assert not settings.getbool("KHABAR_ALLOW_PRIVATE")
    default = Settings()
    default.setmodule("spiders.settings", priority="project")
    assert "(+https://" in default["USER_AGENT"]
