"""A fake outlet served from a WARC, and ``scrapy crawl`` in a subprocess (not a test module).

The outlet (``fakeoutlet``: robots.txt, a feed, a sitemap index, a paginated listing, five
articles, an old one, a disallowed one, a 404) is what the spider tests crawl through the replay
server (``tests/spiders/test_news.py``); :func:`crawl` runs ``python -m scrapy crawl`` from the
project root, as the nightly stage does, for every test that crawls a loopback server.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.support import ROOT

HOST = "fakeoutlet.ma"
BASE = f"https://{HOST}"
SINCE = "2026-01-01"

ARTICLES = {
    f"{BASE}/politique/premier-article-10001/": "2026-11-20T08:00:00+01:00",
    f"{BASE}/politique/deuxieme-article-10002/": "2026-11-20T09:00:00+01:00",
    f"{BASE}/economie/troisieme-article-10003/": "2026-11-21T10:00:00+01:00",
    f"{BASE}/economie/quatrieme-article-10004/": "2026-11-21T11:00:00+01:00",
    f"{BASE}/sport/cinquieme-article-10005/": None,  # only on the listing: no date
}
OLD_ARTICLE = f"{BASE}/politique/vieil-article-10000/"  # in the feed, dated before SINCE
DISALLOWED = f"{BASE}/private/article-cache-10006/"  # matches the patterns, robots says no
MISSING = f"{BASE}/economie/article-disparu-10007/"  # in the sitemap, 404
TAG_PAGE = f"{BASE}/tag/maroc/"  # linked from the listing, not an article

REGISTRY = f"""
outlets:
  - id: fakeoutlet
    name: Fake Outlet
    home: {BASE}/
    hosts: [{HOST}]
    sources:
      - {{kind: robots, url: {BASE}/robots.txt}}
      - {{kind: feed, url: {BASE}/feed/}}
      - {{kind: listing, url: "{BASE}/actualite/page/{{page}}/", max_pages: 5}}
    article_patterns: ['^https://fakeoutlet\\.ma/[a-z]+/[a-z0-9-]+-\\d{{5}}/$']
    ignore_patterns: ['/tag/', '/page/\\d+']
"""


def _html(title: str, links: list[str] = ()) -> bytes:
    anchors = "".join(f'<li><a href="{url}">{url}</a></li>' for url in links)
    return (f"<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>"
            f"<ul>{anchors}</ul></body></html>").encode()


def _rss(items: dict[str, str]) -> bytes:
    from datetime import datetime
    from email.utils import format_datetime

    body = "".join(
        f"<item><title>t</title><link>{url}</link>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(when))}</pubDate></item>"
        for url, when in items.items()
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Fake</title>{body}'
            "</channel></rss>").encode()


def _urlset(entries: dict[str, str | None]) -> bytes:
    body = "".join(
        f"<url><loc>{url}</loc>" + (f"<lastmod>{when}</lastmod>" if when else "") + "</url>"
        for url, when in entries.items()
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>').encode()


VALIDATED = {  # feed and sitemaps carry validators: a second crawl gets 304s
    f"{BASE}/feed/": ('"feed-v1"', "Sat, 21 Nov 2026 11:00:00 GMT"),
    f"{BASE}/sitemap_index.xml": ('"index-v1"', "Sat, 21 Nov 2026 11:00:00 GMT"),
    f"{BASE}/post-sitemap.xml": (None, "Sat, 21 Nov 2026 11:00:00 GMT"),
}


def fake_site() -> dict[str, tuple[int, str, bytes]]:
    """URL → (status, content type, body) of the fake outlet (validators: ``VALIDATED``)."""
    html, xml = "text/html; charset=utf-8", "application/xml"
    urls = list(ARTICLES)
    site = {
        f"{BASE}/robots.txt": (200, "text/plain", (
            "User-agent: *\nDisallow: /private/\n\n"
            f"Sitemap: {BASE}/sitemap_index.xml\n").encode()),
        f"{BASE}/feed/": (200, "application/rss+xml", _rss({
            urls[0]: ARTICLES[urls[0]], urls[1]: ARTICLES[urls[1]],
            OLD_ARTICLE: "2019-05-01T10:00:00+01:00",
        })),
        f"{BASE}/sitemap_index.xml": (200, xml, (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{BASE}/post-sitemap.xml</loc><lastmod>2026-11-21</lastmod></sitemap>"
            f"<sitemap><loc>{BASE}/old-sitemap.xml</loc><lastmod>2019-06-01</lastmod></sitemap>"
            "</sitemapindex>").encode()),
        f"{BASE}/post-sitemap.xml": (200, xml, _urlset({
            **{u: ARTICLES[u] for u in urls[:4]}, MISSING: "2026-11-19",
        })),
        f"{BASE}/old-sitemap.xml": (200, xml, _urlset({OLD_ARTICLE: "2019-05-01"})),
        f"{BASE}/actualite/": (200, html, _html("Actualité", [  # page 1: the listing itself
            urls[2] + "?utm_source=home#comments", urls[4], DISALLOWED, TAG_PAGE, f"{BASE}/",
        ])),
        f"{BASE}/actualite/page/2/": (200, html, _html("Actualité 2", [urls[3], urls[4]])),
        f"{BASE}/actualite/page/3/": (200, html, _html("Actualité 3", [urls[4], TAG_PAGE])),
        f"{BASE}/actualite/page/4/": (200, html, _html("Actualité 4", [OLD_ARTICLE])),
        DISALLOWED: (200, html, _html("Secret")),
        TAG_PAGE: (200, html, _html("Tag Maroc", urls)),
        OLD_ARTICLE: (200, html, _html("Vieil article")),
    }
    for number, url in enumerate(urls, start=1):
        site[url] = (200, html, _html(f"Article {number}"))
    return site


def write_warc(path: Path, site: dict[str, tuple[int, str, bytes]],
               validated: dict[str, tuple[str | None, str | None]] | None = None) -> Path:
    """Write ``site`` as a WARC; ``validated`` adds ETag/Last-Modified to some URLs."""
    validated = VALIDATED if validated is None else validated
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for url, (status, content_type, body) in site.items():
            etag, last_modified = validated.get(url, (None, None))
            extra = [("ETag", etag)] if etag else []
            extra += [("Last-Modified", last_modified)] if last_modified else []
            headers = StatusAndHeaders(f"{status} OK", [("Content-Type", content_type), *extra],
                                       protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                               http_headers=headers)
            writer.write_record(record)
    return path


# AutoThrottle stays on, with delays fit for loopback (later ``-s`` arguments win).
FAST_THROTTLE = ("-s", "AUTOTHROTTLE_START_DELAY=0.05", "-s", "AUTOTHROTTLE_MAX_DELAY=0.5")


def start_crawl(outlet: str, run_dir: Path, *args: str,
                registry: Path | None = None) -> subprocess.Popen[str]:
    """Start ``scrapy crawl`` in a subprocess from the repo root; ``args`` are appended."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if registry is not None:
        env["KHABAR_REGISTRY"] = str(registry)
    command = [sys.executable, "-m", "scrapy", "crawl", outlet, "-a", f"run_dir={run_dir}",
               "-a", "run_id=test", "-s", "LOG_LEVEL=INFO", *FAST_THROTTLE, *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str], timeout: float = 60, clean: bool = True) -> str:
    """Wait for a crawl; it must exit 0 and, when ``clean``, log no traceback. Returns the log."""
    try:
        _, log = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, log = process.communicate()
        pytest.fail(f"crawl timed out:\n{log[-4000:]}")
    assert process.returncode == 0, log[-4000:]
    if clean:
        assert "Traceback" not in log, log[-4000:]
    return log


def crawl(outlet: str, run_dir: Path, *args: str, registry: Path | None = None,
          clean: bool = True) -> str:
    return finish(start_crawl(outlet, run_dir, *args, registry=registry), clean=clean)


def count(counts: dict[str, int], url: str) -> int:
    """Requests the replay server counted for ``url``."""
    return counts.get(url.removeprefix("https://"), 0)
