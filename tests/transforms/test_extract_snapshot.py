"""Golden tests: every article page of the bundled snapshot extracts to what expected.json says.

Pages come from ``snapshot/outlets.warc.gz`` (response records, keyed by WARC-Target-URI) and the
expectations from ``snapshot.load_expected()``; both are built by ``python -m snapshot.build``.
Outlet hints come from the registry, as in production.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.support import ROOT
from transforms.extract import extract_article
from transforms.record import Article, ExtractionHints, Verdict

WARC = ROOT / "snapshot" / "outlets.warc.gz"


def _expected() -> list[dict[str, Any]]:
    if not WARC.exists():
        return []
    try:
        from snapshot import load_expected
    except ImportError:
        return []
    return list(load_expected())


def _pages() -> dict[str, tuple[int, dict[str, str], bytes]]:
    from warcio.archiveiterator import ArchiveIterator

    pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
    with WARC.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI")
            headers = {k.lower(): v for k, v in record.http_headers.headers}
            status = int(record.http_headers.get_statuscode() or 200)
            pages[uri] = (status, headers, record.content_stream().read())
    return pages


EXPECTED = _expected()
pytestmark = pytest.mark.skipif(
    not EXPECTED,
    reason="snapshot/outlets.warc.gz or snapshot.load_expected() not available "
    "(build it with `python -m snapshot.build`)",
)


@pytest.fixture(scope="module")
def pages() -> dict[str, tuple[int, dict[str, str], bytes]]:
    return _pages()


@pytest.fixture(scope="module")
def hints() -> dict[str, ExtractionHints]:
    from registry import load_outlets

    return {o.id: o.extraction_hints for o in load_outlets().values()}


def _norm(text: str) -> str:
    return " ".join(text.split())


def _same_moment(actual: datetime | None, expected: Any, tz: str) -> bool:
    """Expected dates may be ISO datetimes (compare instants) or bare dates (compare local day)."""
    if expected in (None, ""):
        return True
    if actual is None:
        return False
    if isinstance(expected, datetime):
        wanted: datetime | date = expected
    elif isinstance(expected, date):
        wanted = expected
    else:
        text = str(expected).strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            wanted = date.fromisoformat(text)
        else:
            wanted = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if isinstance(wanted, datetime):
        if wanted.tzinfo is None:
            wanted = wanted.replace(tzinfo=ZoneInfo(tz))
        return actual == wanted
    return actual.astimezone(ZoneInfo(tz)).date() == wanted


def _fold(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def _same_outlet(printed: str | None, expected: str) -> bool:
    """The record keeps the name as printed ("L'opinion"); expected.json may give a registry id
    ("lopinion", "barlamane_fr"): accept the id whose registry name starts with the printed one.
    """
    from registry import load_outlets

    if printed is None:
        return False
    if printed == expected:
        return True
    outlet = load_outlets().get(expected)
    return outlet is not None and _fold(outlet.name).startswith(_fold(printed))


def _extract(page: dict[str, Any], pages: dict, hints: dict) -> Article:
    url = page["url"]
    assert url in pages, f"{url} not in the WARC"
    status, headers, body = pages[url]
    return extract_article(
        body, url, outlet=page["outlet"], headers=headers, status=status,
        hints=hints.get(page["outlet"]),
    )


@pytest.mark.parametrize("page", EXPECTED, ids=[p.get("url", "?") for p in EXPECTED])
def test_golden_page(page: dict[str, Any], pages: dict, hints: dict) -> None:
    article = _extract(page, pages, hints)
    tz = hints[page["outlet"]].timezone if page["outlet"] in hints else "Africa/Casablanca"
    assert article.verdict is Verdict.ARTICLE, article.reason
    text = _norm(article.text)
    missing = [p[:70] for p in page.get("paragraphs", []) if _norm(p) not in text]
    assert not missing, f"paragraphs missing: {missing}"
    leaked = [b for b in page.get("boilerplate", []) if _norm(b) and _norm(b) in text]
    assert not leaked, f"boilerplate left: {leaked}"
    if page.get("title"):
        assert article.title == page["title"]
    assert _same_moment(article.published_at, page.get("published"), tz), article.published_at
    if article.published_at is not None:
        assert article.published_at.utcoffset() is not None
    if "authors" in page:
        assert article.authors == list(page["authors"] or [])
    if page.get("original_outlet"):
        assert _same_outlet(article.original_outlet, page["original_outlet"])
    if page.get("original_url"):
        assert article.original_url == page["original_url"]
    if page.get("original_published"):
        assert _same_moment(article.original_published_at, page["original_published"], tz)


def _non_articles() -> list[dict[str, Any]]:
    if not EXPECTED:
        return []
    from snapshot import load_non_articles

    return list(load_non_articles())


NON_ARTICLES = _non_articles()


# What each non-article kind of snapshot/build.py must come out as. AMP and tracking-parameter
# copies are the same article under another URL: the extractor's job is to name the canonical one.
_KIND_VERDICT = {
    "soft_404": Verdict.SOFT_404,
    "listing": Verdict.LISTING,
    "tag": Verdict.LISTING,
    "author": Verdict.LISTING,
}


@pytest.mark.parametrize("page", NON_ARTICLES, ids=[p.get("url", "?") for p in NON_ARTICLES])
def test_golden_non_article(page: dict[str, Any], pages: dict, hints: dict) -> None:
    """Listings, soft 404s and redirects are not articles; AMP/tracking copies name the original."""
    from registry import load_outlets

    if page["url"] not in pages:
        pytest.skip("not stored in the WARC")
    host = urlsplit(page["url"]).hostname
    outlet = page.get("outlet") or next(
        (o.id for o in load_outlets().values() if host in o.hosts), "unknown"
    )
    status, headers, body = pages[page["url"]]
    article = extract_article(
        body, page["url"], outlet=outlet, headers=headers, status=status, hints=hints.get(outlet)
    )
    kind = page.get("kind")
    if kind in {"amp", "tracking"}:
        assert article.canonical_url in {p["url"] for p in EXPECTED}
        assert article.canonical_url != page["url"]
    elif kind in _KIND_VERDICT:
        assert article.verdict is _KIND_VERDICT[kind], article.reason
    else:
        assert article.verdict is not Verdict.ARTICLE, article.reason


def test_golden_without_registry_hints(pages: dict) -> None:
    """The general rules alone keep every paragraph and drop every boilerplate string."""
    problems = []
    for page in EXPECTED:
        status, headers, body = pages[page["url"]]
        text = _norm(
            extract_article(body, page["url"], outlet=page["outlet"], headers=headers).text
        )
        problems += [(page["url"], "missing", p[:50]) for p in page["paragraphs"]
                     if _norm(p) not in text]
        problems += [(page["url"], "leaked", b) for b in page.get("boilerplate", [])
                     if _norm(b) and _norm(b) in text]
    assert not problems
