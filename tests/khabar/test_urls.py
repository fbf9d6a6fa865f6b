"""URL identity (``khabar/urls.py``): the crawl's link key, the stored address, the article id."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from khabar.urls import article_id, article_url, canonical_url, try_canonical_url

# -- the crawl's key ----------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("https://LeBrief.ma:443/x-245241/?utm_source=nl&utm_medium=email#comments",
     "https://lebrief.ma/x-245241/"),
    ("https://x.ma/a?b=2&fbclid=IwAR&a=1&gclid=9", "https://x.ma/a?a=1&b=2"),
    ("  https://x.ma/a/\n", "https://x.ma/a/"),
    ("https://x.ma", "https://x.ma/"),
    ("http://x.ma:8080/é t?q=é", "http://x.ma:8080/%C3%A9%20t?q=%C3%A9"),
    ("https://www.maghress.com/fr/lebrief?page=2", "https://www.maghress.com/fr/lebrief?page=2"),
])
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected  # idempotent


@pytest.mark.parametrize("url", ["/relative/", "mailto:a@x.ma", "javascript:void(0)", "ftp://x/"])
def test_canonical_url_rejects_non_http(url: str) -> None:
    with pytest.raises(ValueError):
        canonical_url(url)
    assert try_canonical_url(url) is None


# -- the stored address -------------------------------------------------------------------------

STORED = [
    ("https://Medias24.com/2024/01/30/slug/amp/", "https://medias24.com/2024/01/30/slug/"),
    ("https://medias24.com/2024/01/30/slug/?amp=1", "https://medias24.com/2024/01/30/slug/"),
    ("https://medias24.com/amp/2024/01/30/slug/", "https://medias24.com/2024/01/30/slug/"),
    ("https://a.ma/x-1/?utm_source=fb&fbclid=1&id=7#top", "https://a.ma/x-1/?id=7"),
    ("https://lebrief.ma/x-1/?wpv_view_count=24242&wpv_paged=6", "https://lebrief.ma/x-1/"),
]


@pytest.mark.parametrize(("url", "expected"), STORED)
def test_article_url(url: str, expected: str) -> None:
    assert article_url(url) == expected


@pytest.mark.parametrize(("url", "expected"), STORED)
def test_one_article_is_one_key(url: str, expected: str) -> None:
    """What the crawl compares and what the warehouse stores follow one rule: a variant of an
    article (AMP, tracking) has the key of its stored address."""
    assert canonical_url(url) == canonical_url(expected) == canonical_url(article_url(url))


def test_stored_address_keeps_escapes_as_printed() -> None:
    """WordPress prints lower-case escapes; the stored address keeps them (ids never move),
    the crawl's key upper-cases them as w3lib does."""
    url = "https://ar.example.ma/%d8%a7-1/"
    assert article_url(url) == url
    assert canonical_url(url) == "https://ar.example.ma/%D8%A7-1/"


# -- the article id -----------------------------------------------------------------------------

def test_article_id_is_a_prefix_of_sha256() -> None:
    url = "https://lebrief.ma/x-245241/"
    assert article_id(url) == hashlib.sha256(url.encode()).hexdigest()[:16]


def test_the_warehouse_computes_the_same_id(tmp_path: Path) -> None:
    """The load's SQL calls ``article_id`` (registered by ``warehouse.connect``): one formula."""
    import warehouse

    urls = [after for _, after in STORED] + ["https://ar.example.ma/مقال-1/"]
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        got = con.execute("SELECT u, article_id(u) FROM unnest($urls) AS t(u)",
                          {"urls": urls}).fetchall()
        assert con.execute("SELECT article_id(NULL)").fetchone() == (None,)
    assert dict(got) == {url: article_id(url) for url in urls}
