"""Backfill over loopback: a fake archive with dated sitemaps (an index of monthly sitemaps) and
six listing pages whose teasers show ``time[datetime]``, crawled back to ``since`` within
``until``, next to a nightly crawl of the same site that stops at the first page of known
articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from khabar.run.layout import RunFolder
from khabar.run.records import iter_raw_pages
from snapshot.replay import ReplayServer
from tests.support.crawls import count, crawl, write_warc

pytestmark = pytest.mark.integration

HOST = "archive.ma"
BASE = f"https://{HOST}"
MONTHS = {11: 1, 10: 2, 9: 3, 8: 4, 7: 5, 6: 6}  # month → listing page showing it
SITEMAP_MONTHS = (11, 10, 9, 8)  # older months are only on the listings

REGISTRY = f"""
outlets:
  - id: archive
    name: Archive
    home: {BASE}/
    hosts: [{HOST}]
    sources:
      - {{kind: robots, url: {BASE}/robots.txt}}
      - {{kind: listing, url: "{BASE}/archives/page/{{page}}/", max_pages: 6}}
    article_patterns: ['^https://archive\\.ma/2026/\\d\\d/[a-z0-9-]+/$']
"""


def article(month: int, day: int) -> str:
    return f"{BASE}/2026/{month:02d}/article-{month:02d}-{day:02d}/"


def articles(month: int) -> list[str]:
    return [article(month, 20), article(month, 10)]


def _listing(month: int) -> bytes:
    teasers = "".join(
        f'<article><h2><a href="{article(month, day)}">Titre</a></h2>'
        f'<time datetime="2026-{month:02d}-{day:02d}T09:00:00+01:00">{day}</time></article>'
        for day in (20, 10))
    return f"<html><body><main>{teasers}</main></body></html>".encode()


def _urlset(month: int) -> bytes:
    urls = "".join(f"<url><loc>{article(month, day)}</loc>"
                   f"<lastmod>2026-{month:02d}-{day:02d}T09:00:00+01:00</lastmod></url>"
                   for day in (20, 10))
    return (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>").encode()


def site() -> dict[str, tuple[int, str, bytes]]:
    html, xml = "text/html; charset=utf-8", "application/xml"
    index = "".join(f"<sitemap><loc>{BASE}/sitemap-2026-{m:02d}.xml</loc>"
                    f"<lastmod>2026-{m:02d}-20</lastmod></sitemap>" for m in SITEMAP_MONTHS)
    pages = {
        f"{BASE}/robots.txt": (200, "text/plain",
                               f"User-agent: *\nSitemap: {BASE}/sitemap_index.xml\n".encode()),
        f"{BASE}/sitemap_index.xml": (200, xml, (
            '<?xml version="1.0"?><sitemapindex '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>'
        ).encode()),
    }
    for month in SITEMAP_MONTHS:
        pages[f"{BASE}/sitemap-2026-{month:02d}.xml"] = (200, xml, _urlset(month))
    for month, page in MONTHS.items():
        listing = f"{BASE}/archives/" if page == 1 else f"{BASE}/archives/page/{page}/"
        pages[listing] = (200, html, _listing(month))
        for url in articles(month):
            pages[url] = (200, html, f"<html><body><h1>{url}</h1></body></html>".encode())
    return pages


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("archive")
    registry = root / "outlets.yaml"
    registry.write_text(REGISTRY, encoding="utf-8")
    return {"root": root, "registry": registry,
            "warc": write_warc(root / "archive.warc.gz", site(), validated={})}


def _crawl(archive: dict[str, Path], name: str, *args: str) -> tuple[Path, dict[str, int]]:
    run_dir = archive["root"] / name
    with ReplayServer(archive["warc"]) as server:
        crawl("archive", run_dir, *args, "-s", f"SNAPSHOT_HOSTS={json.dumps(server.addresses)}",
              registry=archive["registry"])
        return run_dir, server.requested_urls()


def test_backfill_walks_back_to_since_within_until(archive: dict[str, Path]) -> None:
    seen = archive["root"] / "seen.txt"
    seen.write_text(article(10, 20) + "\n")  # already stored: a backfill does not refetch it
    run_dir, counts = _crawl(archive, "backfill", "-a", "backfill=1", "-a", "since=2026-09-01",
                             "-a", "until=2026-10-31", "-a", f"seen_file={seen}")
    # Listing pagination goes past pages with nothing new, down to the first page whose
    # dates are all before since (page 4, August), and no further.
    assert count(counts, f"{BASE}/archives/") == 1  # page 1: the listing's own address
    for page in (2, 3, 4):
        assert count(counts, f"{BASE}/archives/page/{page}/") == 1, page
    assert count(counts, f"{BASE}/archives/page/5/") == 0
    # Child sitemaps dated before since are not walked.
    for month in (11, 10, 9):
        assert count(counts, f"{BASE}/sitemap-2026-{month:02d}.xml") == 1
    assert count(counts, f"{BASE}/sitemap-2026-08.xml") == 0
    fetched = sorted(p.url for p in iter_raw_pages(run_dir))
    assert fetched == sorted([article(10, 10), *articles(9)])
    stats = json.loads(RunFolder(run_dir).crawl_stats_file("archive").read_text())
    assert stats["backfill"] is True and stats["until"] == "2026-10-31"
    assert stats["skipped_after_until"] >= 2 and stats["skipped_old"] >= 2
    assert stats["listing_pages"] == 4


def test_nightly_stops_at_the_first_listing_page_of_known_articles(
        archive: dict[str, Path]) -> None:
    seen = archive["root"] / "seen-nightly.txt"
    seen.write_text("".join(f"{url}\n" for m in MONTHS for url in articles(m)))
    run_dir, counts = _crawl(archive, "nightly", "-a", f"seen_file={seen}")
    assert count(counts, f"{BASE}/archives/") == 1
    assert count(counts, f"{BASE}/archives/page/2/") == 0
    assert list(iter_raw_pages(run_dir)) == []


@pytest.mark.parametrize(("args", "message"), [
    ({"backfill": "1"}, "backfill needs since"),
    ({"since": "2026-11-02", "until": "2026-11-01"}, "before since"),
    ({"until": "01/11/2026"}, "until must be YYYY-MM-DD"),
])
def test_bad_window_arguments_fail_before_crawling(archive: dict[str, Path], args: dict,
                                                  message: str) -> None:
    from registry import load_outlets
    from spiders.outlets import spider_class

    spider = spider_class(load_outlets(archive["registry"])["archive"])
    with pytest.raises(ValueError, match=message):
        spider(**args)
