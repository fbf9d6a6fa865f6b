"""The bundled snapshot is fresh, complete and honest.

Fresh: the committed WARC and expected.json are what `python -m snapshot.build` makes today.
Complete: every registry source and every URL that a feed, sitemap or listing of the snapshot
announces is stored. Honest: every golden paragraph and boilerplate string really occurs in
the text of its page, so extraction scores measure the extractor, not the golden file.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import yaml
from lxml import etree
from warcio.archiveiterator import ArchiveIterator

from snapshot import (
    EXPECTED_JSON,
    SNAPSHOT_WARC,
    load_expected,
    load_non_articles,
    parse_html,
    snapshot_hosts,
    snapshot_outlets,
    visible_text,
)
from snapshot.build import build
from tests.support import ROOT

OUTLETS = ("lebrief", "lepetitjournalmarocain", "maghress_fr")

# Where a listing's own links live (menus, tickers and sidebars link outside the snapshot:
# the ticker of maghress to other sources' stories, footers to /contact/ and the like).
_LISTING_AREA = {
    "lebrief.ma": "//main[@id='main']//a/@href",
    "lepetitjournalmarocain.com": "//div[contains(@class, 'td-ss-main-content')]//a/@href",
    "www.maghress.com": "//div[@id='groups']//a/@href",
}
# Announced on purpose but not stored: none today. Add a URL here with a reason if one is.
_DELIBERATELY_MISSING: set[str] = set()


@pytest.fixture(scope="module")
def records() -> dict[str, tuple[int, dict[str, str], bytes]]:
    """URL -> (status, lower-case headers, body) of every response record."""
    found = {}
    with SNAPSHOT_WARC.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                headers = {k.lower(): v for k, v in record.http_headers.headers}
                status = int(record.http_headers.get_statuscode())
                found[record.rec_headers.get_header("WARC-Target-URI")] = (
                    status,
                    headers,
                    record.content_stream().read(),
                )
    return found


def test_committed_files_match_a_fresh_build() -> None:
    warc, expected = build()
    assert SNAPSHOT_WARC.read_bytes() == warc, "stale WARC: run python -m snapshot.build"
    assert EXPECTED_JSON.read_bytes() == expected, "stale expected.json: run snapshot.build"


def test_build_is_deterministic() -> None:
    assert build() == build()


def test_counts_and_cross_outlet_stories() -> None:
    articles = load_expected()
    per_outlet = Counter(a["outlet"] for a in articles)
    assert len(articles) >= 30 and set(per_outlet) == set(OUTLETS) == set(snapshot_outlets())
    copies = [a for a in articles if a.get("original_url") in {b["url"] for b in articles}]
    assert len(copies) >= 3
    by_url = {a["url"]: a for a in articles}
    for copy in copies:
        original = by_url[copy["original_url"]]
        assert copy["outlet"] != original["outlet"]
        assert copy["paragraphs"] == original["paragraphs"][: len(copy["paragraphs"])]
    # The MAP wire story: same body on two outlets, different first paragraph.
    wires = [a for a in articles if a["authors"] == ["MAP"]]
    assert {a["outlet"] for a in wires} >= {"lebrief", "lepetitjournalmarocain"}
    assert wires[0]["paragraphs"][0] != wires[1]["paragraphs"][0]
    assert wires[0]["paragraphs"][1:4] == wires[1]["paragraphs"][1:4]


def test_every_article_text_is_distinct() -> None:
    originals = [a for a in load_expected() if a["outlet"] != "maghress_fr"]
    paragraphs = [p for a in originals for p in a["paragraphs"]]
    wire = {p for a in originals if a["authors"] == ["MAP"] for p in a["paragraphs"][1:]}
    assert len([p for p in paragraphs if p not in wire]) == len(set(paragraphs) - wire)


def test_hosts_are_outlet_hosts() -> None:
    registry = yaml.safe_load((ROOT / "registry" / "outlets.yaml").read_text(encoding="utf-8"))
    hosts = {h for o in registry["outlets"] if o["id"] in OUTLETS for h in o["hosts"]}
    assert set(snapshot_hosts()) <= hosts


def test_registry_sources_are_stored(records: dict) -> None:
    registry = yaml.safe_load((ROOT / "registry" / "outlets.yaml").read_text(encoding="utf-8"))
    for outlet in (o for o in registry["outlets"] if o["id"] in OUTLETS):
        assert outlet["home"] in records
        for source in outlet["sources"]:
            for page in range(1, source.get("max_pages", 1) + 1):
                url = source["url"].replace("{page}", str(page))
                assert url in records, url


def _announced(url: str, body: bytes, content_type: str) -> set[str]:
    """Absolute URLs that a robots.txt, feed, sitemap or listing page announces."""
    if url.endswith("robots.txt"):
        return set(re.findall(r"(?m)^Sitemap:\s*(\S+)", body.decode()))
    if "xml" in content_type:
        tree = etree.fromstring(body)
        return {e.text.strip() for e in tree.iter("{*}loc", "{*}link") if e.text}
    doc = parse_html(body)
    return {urljoin(url, href) for href in doc.xpath(_LISTING_AREA[urlsplit(url).hostname])}


def _discovery(records: dict) -> dict[str, set[str]]:
    """Discovery page -> the stored-host URLs it announces (fragments dropped)."""
    listings = {p["url"] for p in load_non_articles() if p["kind"] in {"listing", "tag", "author"}}
    hosts = set(snapshot_hosts())
    found = {}
    for url, (status, headers, body) in records.items():
        content_type = headers["content-type"]
        if status == 200 and (url in listings or "xml" in content_type or "robots" in url):
            links = {urldefrag(link).url for link in _announced(url, body, content_type)}
            found[url] = {link for link in links if urlsplit(link).hostname in hosts}
    return found


def test_announced_urls_are_stored(records: dict) -> None:
    missing = {(page, link) for page, links in _discovery(records).items() for link in links
               if link not in records and link not in _DELIBERATELY_MISSING}
    assert not missing, sorted(missing)


def test_every_article_is_discoverable(records: dict) -> None:
    announced = {link.split("?utm_")[0] for links in _discovery(records).values() for link in links}
    undiscovered = {a["url"] for a in load_expected()} - announced
    assert not undiscovered, sorted(undiscovered)


def test_http_headers_are_realistic(records: dict) -> None:
    for url, (status, headers, body) in records.items():
        assert "date" in headers and headers["content-length"] == str(len(body)), url
        if status == 301:
            assert headers["location"] in records, url
        elif url.endswith("/feed/"):
            assert headers["content-type"] == "application/rss+xml; charset=UTF-8"
            assert "etag" in headers and "last-modified" in headers
        elif url.endswith(".xml"):
            assert headers["content-type"].startswith("application/xml")
            assert "etag" in headers and "last-modified" in headers


def test_oddities_are_present(records: dict) -> None:
    kinds = Counter(p["kind"] for p in load_non_articles())
    assert kinds["soft_404"] == 1 and kinds["tag"] >= 1 and kinds["author"] >= 1
    assert kinds["amp"] >= 1 and kinds["tracking"] >= 1
    soft = next(p["url"] for p in load_non_articles() if p["kind"] == "soft_404")
    assert records[soft][0] == 200 and "Page introuvable" in visible_text(records[soft][2])
    amp = next(p["url"] for p in load_non_articles() if p["kind"] == "amp")
    assert parse_html(records[amp][2]).xpath("//link[@rel='canonical']/@href") == [amp[:-4]]
    assert records["https://lebrief.ma/rubrique-politique/page/1/"][1]["location"] == (
        "https://lebrief.ma/rubrique-politique/"
    )


@pytest.mark.parametrize("article", load_expected(), ids=lambda a: a["url"])
def test_golden_data_is_honest(article: dict, records: dict) -> None:
    status, headers, body = records[article["url"]]
    assert status == 200 and headers["content-type"] == "text/html; charset=UTF-8"
    text = visible_text(body)
    assert article["title"] in text
    for paragraph in article["paragraphs"]:
        assert paragraph in text, paragraph
    assert 8 <= len(article["boilerplate"]) <= 30
    body_text = " ".join(article["paragraphs"])
    for chrome in article["boilerplate"]:
        assert chrome in text, chrome
        assert chrome not in body_text, chrome
