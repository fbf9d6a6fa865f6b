"""Discovery parsing, canonical URLs and fetch planning: plain functions, no engine, no network."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from khabar.run.state import (
    Validators,
    is_updated,
    read_known_file,
    read_validators_file,
    validators_from_headers,
    write_validators_file,
)
from registry import Source, SourceKind
from spiders.discovery import (
    is_recent,
    listing_entries,
    listing_links,
    listing_page_url,
    parse_date,
    parse_feed,
    parse_sitemap,
    robots_sitemaps,
)
from spiders.news import Discovered, plan_fetches, source_counts

CASABLANCA = ZoneInfo("Africa/Casablanca")
SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


# -- robots.txt ---------------------------------------------------------------------------------

def test_robots_sitemap_lines_resolved_and_deduplicated() -> None:
    body = (b"User-agent: *\nDisallow: /wp-admin/\n"
            b"Sitemap: https://lebrief.ma/sitemap_index.xml\n"
            b"sitemap: /news-sitemap.xml\n"
            b"SITEMAP: https://lebrief.ma/sitemap_index.xml\n")
    assert robots_sitemaps(body, "https://lebrief.ma/robots.txt") == [
        "https://lebrief.ma/sitemap_index.xml",
        "https://lebrief.ma/news-sitemap.xml",
    ]


def test_robots_without_sitemaps() -> None:
    assert robots_sitemaps(b"User-agent: *\nDisallow:\n", "https://x.ma/robots.txt") == []


# -- sitemaps -----------------------------------------------------------------------------------

def test_sitemap_index_with_lastmod() -> None:
    body = f"""<?xml version="1.0"?><sitemapindex {SM}>
      <sitemap><loc>https://x.ma/post-sitemap.xml</loc><lastmod>2026-11-22T10:00:00+00:00</lastmod>
      </sitemap>
      <sitemap><loc>/page-sitemap.xml</loc></sitemap>
    </sitemapindex>""".encode()
    doc = parse_sitemap(body, "https://x.ma/sitemap_index.xml")
    assert doc is not None and doc.is_index
    assert [e.url for e in doc.entries] == ["https://x.ma/post-sitemap.xml",
                                           "https://x.ma/page-sitemap.xml"]
    assert doc.entries[0].published == datetime(2026, 11, 22, 10, tzinfo=UTC)
    assert doc.entries[1].published is None


def test_urlset_lastmod_and_gzip() -> None:
    body = f"""<?xml version="1.0"?><urlset {SM}>
      <url><loc> https://x.ma/a-1/ </loc><lastmod>2026-11-20</lastmod></url>
      <url><lastmod>2026-11-20</lastmod></url>
    </urlset>""".encode()
    doc = parse_sitemap(gzip.compress(body), "https://x.ma/post-sitemap.xml.gz")
    assert doc is not None and not doc.is_index
    assert [(e.url, e.published) for e in doc.entries] == [
        ("https://x.ma/a-1/", datetime(2026, 11, 20))
    ]


def test_news_sitemap_publication_date_wins_over_lastmod() -> None:
    body = f"""<?xml version="1.0"?><urlset {SM} {NEWS}><url>
      <loc>https://fr.le360.ma/politique/x_ABC/</loc><lastmod>2026-11-23T09:00:00Z</lastmod>
      <news:news><news:publication><news:name>Le360</news:name></news:publication>
        <news:publication_date>2026-11-22T21:15:00+01:00</news:publication_date>
        <news:title>Titre</news:title></news:news>
    </url></urlset>""".encode()
    doc = parse_sitemap(body, "https://fr.le360.ma/sitemap-news/")
    assert doc is not None
    assert doc.entries[0].published == datetime(2026, 11, 22, 21, 15,
                                                tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize("body", [b"", b"<html><body>nope</body></html>", b"\x00\x01garbage",
                                  b'<?xml version="1.0"?><rss version="2.0"/>'])
def test_not_a_sitemap(body: bytes) -> None:
    assert parse_sitemap(body, "https://x.ma/sitemap.xml") is None


def test_sitemap_entities_are_not_expanded() -> None:
    body = (b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>https://x.ma/&e;</loc></url></urlset>")
    doc = parse_sitemap(body, "https://x.ma/s.xml")
    assert doc is not None and all("root:" not in e.url for e in doc.entries)


# -- feeds --------------------------------------------------------------------------------------

def test_rss2_items() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
    <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>
      <item><title>Un</title><link>https://lebrief.ma/un-245001/</link>
        <pubDate>Sun, 22 Nov 2026 18:30:00 +0000</pubDate></item>
      <item><title>Deux</title><guid isPermaLink="true">https://lebrief.ma/deux-245002/</guid>
        <dc:date>2026-11-21T08:00:00+01:00</dc:date></item>
      <item><title>Sans lien</title><guid isPermaLink="false">42</guid></item>
    </channel></rss>"""
    entries = parse_feed(body, "https://lebrief.ma/feed/")
    assert entries is not None
    assert [e.url for e in entries] == ["https://lebrief.ma/un-245001/",
                                        "https://lebrief.ma/deux-245002/"]
    assert entries[0].published == datetime(2026, 11, 22, 18, 30, tzinfo=UTC)
    assert entries[1].published == datetime(2026, 11, 21, 8, tzinfo=timezone(timedelta(hours=1)))


def test_atom_entries() -> None:
    body = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
      <entry><title>A</title><link rel="replies" href="https://x.ma/a/#comments"/>
        <link rel="alternate" href="https://x.ma/a-1/"/>
        <updated>2026-11-22T10:00:00Z</updated></entry>
      <entry><title>B</title><link href="/b-2/"/><published>2026-11-20T10:00:00Z</published>
        <updated>2026-11-22T10:00:00Z</updated></entry>
    </feed>"""
    entries = parse_feed(body, "https://x.ma/feed/atom/")
    assert entries is not None
    assert [(e.url, e.published.day) for e in entries] == [("https://x.ma/a-1/", 22),
                                                           ("https://x.ma/b-2/", 20)]


def test_not_a_feed() -> None:
    assert parse_feed(b"<html><body><p>hello</p></body></html>", "https://x.ma/") is None
    assert parse_feed(b"", "https://x.ma/feed/") is None


# -- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-23", datetime(2026, 11, 23)),
    ("2026-11-23T10:00:00Z", datetime(2026, 11, 23, 10, tzinfo=UTC)),
    ("Mon, 23 Nov 2026 10:00:00 GMT", datetime(2026, 11, 23, 10, tzinfo=UTC)),
    ("", None),
    ("yesterday", None),
])
def test_parse_date(value: str, expected: datetime | None) -> None:
    assert parse_date(value) == expected


def test_is_recent_uses_the_outlet_day() -> None:
    since = date(2026, 11, 22)
    # 23:30 UTC on the 21st is 00:30 on the 22nd in Casablanca (UTC+1).
    assert is_recent(datetime(2026, 11, 21, 23, 30, tzinfo=UTC), since, CASABLANCA)
    assert not is_recent(datetime(2026, 11, 21, 22, 30, tzinfo=UTC), since, CASABLANCA)
    assert is_recent(datetime(2026, 11, 22), since, CASABLANCA)  # naive: outlet time
    assert is_recent(None, since, CASABLANCA)  # undated entries are kept
    assert is_recent(datetime(2000, 1, 1, tzinfo=UTC), None, CASABLANCA)


# -- listings -----------------------------------------------------------------------------------

def test_listing_links_absolute_unique_in_order() -> None:
    body = b"""<html><head><base href="https://lebrief.ma/rubrique-politique/"></head><body>
      <a href="/a-245001/">A</a> <a href="b-245002/">B</a> <a href="/a-245001/">A again</a>
      <a href="#top">top</a> <a href="javascript:void(0)">js</a> <a href="/doc.pdf">pdf</a>
      <a href="https://other.ma/x-1/">x</a></body></html>"""
    assert listing_links(body, "https://lebrief.ma/rubrique-politique/page/2/") == [
        "https://lebrief.ma/a-245001/",
        "https://lebrief.ma/rubrique-politique/b-245002/",
        "https://lebrief.ma/rubrique-politique/#top",  # canonical_url drops fragments later
        "https://other.ma/x-1/",
    ]


def test_listing_page_url() -> None:
    source = Source(kind=SourceKind.LISTING, url="https://www.maghress.com/fr/lebrief?page={page}",
                    max_pages=2)
    assert listing_page_url(source, 1) == "https://www.maghress.com/fr/lebrief"
    assert listing_page_url(source, 2) == "https://www.maghress.com/fr/lebrief?page=2"
    with pytest.raises(ValueError):
        listing_page_url(source, 3)
    single = Source(kind=SourceKind.LISTING, url="https://www.maghress.com/fr")
    assert listing_page_url(single, 1) == "https://www.maghress.com/fr"


# -- fetch planning -----------------------------------------------------------------------------

def test_plan_fetches_newest_first_skips_seen_and_caps() -> None:
    found = {
        "https://x.ma/old-1/": Discovered(0, {0}, datetime(2026, 11, 1, tzinfo=UTC)),
        "https://x.ma/undated-2/": Discovered(1, {1}),
        "https://x.ma/new-3/": Discovered(2, {0, 1}, datetime(2026, 11, 22, tzinfo=UTC)),
        "https://x.ma/seen-4/": Discovered(3, {1}, datetime(2026, 11, 23, tzinfo=UTC)),
        "https://x.ma/mid-5/": Discovered(4, {1}, datetime(2026, 11, 10)),  # naive
    }
    seen = frozenset({"https://x.ma/seen-4/"})
    urls, n_seen, n_capped = plan_fetches(found, seen, None, CASABLANCA)
    assert urls == ["https://x.ma/new-3/", "https://x.ma/mid-5/", "https://x.ma/old-1/",
                    "https://x.ma/undated-2/"]
    assert (n_seen, n_capped) == (1, 0)
    urls, n_seen, n_capped = plan_fetches(found, seen, 2, CASABLANCA)
    assert urls == ["https://x.ma/new-3/", "https://x.ma/mid-5/"] and n_capped == 2
    assert plan_fetches(found, seen, 0, CASABLANCA)[0] == []


def test_source_counts() -> None:
    found = {"a": Discovered(0, {0}), "b": Discovered(1, {0, 1}), "c": Discovered(2, {1})}
    assert source_counts(found, 3) == [(2, 1), (2, 1), (0, 0)]


def test_listing_links_can_be_limited_to_the_article_list():
    body = (b'<html><body><div id="ticker"><a href="/fr/hespress/1">ticker</a></div>'
            b'<div class="tablesgroup"><a href="/fr/lopinion/2">teaser</a></div></body></html>')
    base = "https://www.maghress.com/fr"
    assert listing_links(body, base) == [
        "https://www.maghress.com/fr/hespress/1", "https://www.maghress.com/fr/lopinion/2"]
    assert listing_links(body, base, ".tablesgroup") == ["https://www.maghress.com/fr/lopinion/2"]


# -- dates for updates and backfill -------------------------------------------------------------

def test_sitemap_lastmod_is_the_modified_date() -> None:
    body = f"""<?xml version="1.0"?><urlset {SM} {NEWS}><url><loc>https://x.ma/a-1/</loc>
      <lastmod>2026-11-23T09:00:00Z</lastmod><news:news>
      <news:publication_date>2026-11-20T09:00:00Z</news:publication_date></news:news></url>
    </urlset>""".encode()
    doc = parse_sitemap(body, "https://x.ma/news-sitemap.xml")
    assert doc is not None
    (entry,) = doc.entries
    assert entry.published.day == 20 and entry.modified.day == 23


def test_atom_updated_is_the_modified_date() -> None:
    body = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <link href="https://x.ma/b-2/"/><published>2026-11-20T10:00:00Z</published>
      <updated>2026-11-22T10:00:00Z</updated></entry></feed>"""
    (entry,) = parse_feed(body, "https://x.ma/feed/atom/")
    assert (entry.published.day, entry.modified.day) == (20, 22)


def test_listing_entries_take_the_date_of_their_teaser() -> None:
    body = b"""<html><body><div class="list">
      <article><a href="/a-1/">A</a><span><time datetime="2026-11-20T10:00:00+01:00">x</time>
      </span></article>
      <li><a href="/b-2/?utm_source=x">B</a><time datetime="2026-11-19">y</time></li>
      <li><a href="/c-3/">C, undated</a></li></div>
      <footer><time datetime="2026-01-01"></time><time datetime="2026-01-02"></time>
        <a href="/d-4/">in a block with several dates: undated</a></footer></body></html>"""
    entries = listing_entries(body, "https://x.ma/list/")
    dated = {e.url: e.published for e in entries}
    assert dated["https://x.ma/a-1/"] == datetime(2026, 11, 20, 10,
                                                  tzinfo=timezone(timedelta(hours=1)))
    assert dated["https://x.ma/b-2/?utm_source=x"] == datetime(2026, 11, 19)
    assert dated["https://x.ma/c-3/"] is None and dated["https://x.ma/d-4/"] is None
    assert listing_entries(b"", "https://x.ma/list/") == []


@pytest.mark.parametrize(("template", "first"), [
    ("https://x.ma/category/politique/page/{page}/", "https://x.ma/category/politique/"),
    ("https://x.ma/category/politique/page/{page}", "https://x.ma/category/politique/"),
    ("https://x.ma/news/{page}/", "https://x.ma/news/"),
    ("https://x.ma/fr/lopinion?page={page}", "https://x.ma/fr/lopinion"),
    ("https://x.ma/list?cat=2&page={page}&s=a", "https://x.ma/list?cat=2&s=a"),
    ("https://x.ma/list-{page}.html", "https://x.ma/list-1.html"),  # no rule: 1 in place
])
def test_page_one_of_a_listing_is_its_own_address(template: str, first: str) -> None:
    """Sites answer ``/page/1/`` with a 404 or a redirect: page 1 is the listing's address."""
    source = Source(kind=SourceKind.LISTING, url=template, max_pages=3)
    assert listing_page_url(source, 1) == first
    assert listing_page_url(source, 2) == template.replace("{page}", "2")
    given = Source(kind=SourceKind.LISTING, url=template, max_pages=3,
                   first_page="https://x.ma/archives.html")
    assert listing_page_url(given, 1) == "https://x.ma/archives.html"


def test_first_page_only_for_paginated_listings() -> None:
    with pytest.raises(ValueError, match="first_page is for a paginated listing"):
        Source(kind=SourceKind.FEED, url="https://x.ma/feed/", first_page="https://x.ma/")
    with pytest.raises(ValueError, match="first_page is for a paginated listing"):
        Source(kind=SourceKind.LISTING, url="https://x.ma/", first_page="https://x.ma/a/")


def test_listing_pages_beyond_the_registry_when_asked() -> None:
    source = Source(kind=SourceKind.LISTING, url="https://x.ma/c/page/{page}/", max_pages=3)
    assert listing_page_url(source, 9, max_pages=10) == "https://x.ma/c/page/9/"
    with pytest.raises(ValueError):
        listing_page_url(source, 11, max_pages=10)


# -- incremental: known articles, updates, validators --------------------------------------------

def test_plan_fetches_refetches_known_articles_updated_since_their_fetch() -> None:
    fetched = datetime(2026, 11, 22, 2, tzinfo=UTC)
    found = {
        "https://x.ma/updated-1/": Discovered(0, {0}, modified=datetime(2026, 11, 22, 9,
                                                                        tzinfo=UTC)),
        "https://x.ma/same-2/": Discovered(1, {0}, modified=datetime(2026, 11, 21, tzinfo=UTC)),
        "https://x.ma/undated-3/": Discovered(2, {0}),
        "https://x.ma/new-4/": Discovered(3, {0}),
    }
    known = {url: fetched for url in list(found)[:3]}
    urls, n_stored, _ = plan_fetches(found, frozenset(), None, CASABLANCA, known)
    assert urls == ["https://x.ma/updated-1/", "https://x.ma/new-4/"] and n_stored == 2


def test_is_updated() -> None:
    fetched = datetime(2026, 11, 22, 10, tzinfo=UTC)
    assert is_updated(datetime(2026, 11, 22, 12, tzinfo=timezone(timedelta(hours=1))), fetched)
    assert not is_updated(datetime(2026, 11, 22, 11, tzinfo=timezone(timedelta(hours=1))),
                          fetched)
    assert is_updated(datetime(2026, 11, 22, 10, 1), fetched)  # naive: UTC
    assert not is_updated(None, fetched) and not is_updated(datetime(2030, 1, 1), None)


def test_known_and_validators_files(tmp_path) -> None:
    known = tmp_path / "known.json"
    known.write_text('{"https://X.ma/a-1/?utm_source=n": "2026-11-22T02:00:00Z",'
                     ' "https://x.ma/b-2/": "2026-11-21T02:00:00"}')
    assert read_known_file(known) == {
        "https://x.ma/a-1/": datetime(2026, 11, 22, 2, tzinfo=UTC),
        "https://x.ma/b-2/": datetime(2026, 11, 21, 2, tzinfo=UTC),
    }
    known.write_text('{"https://x.ma/a-1/": "yesterday"}')
    with pytest.raises(ValueError, match="bad entry"):
        read_known_file(known)
    validators = tmp_path / "validators.json"
    write_validators_file(validators, {"https://x.ma/feed/": Validators('"e1"', None, "2026-11")})
    read = read_validators_file(validators)
    assert read["https://x.ma/feed/"].request_headers() == {"If-None-Match": '"e1"'}
    assert Validators().request_headers() == {}
    assert validators_from_headers({"content-type": "text/xml"}, "t") is None
    assert validators_from_headers({"last-modified": "Sat, 21 Nov 2026 11:00:00 GMT"},
                                   "t") == Validators(None, "Sat, 21 Nov 2026 11:00:00 GMT", "t")
