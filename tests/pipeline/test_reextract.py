"""Re-extraction end to end: a nightly run on the snapshot, then a new extractor version.

The nightly flow (real crawl over loopback, real DuckDB file) stores raw pages and articles; a
patched extractor (new version string, and a change that drops the last paragraph of long
articles) then re-extracts the stored pages. The report must name exactly the articles whose text
changed, the warehouse must gain one version row for each and no duplicate article, and a second
re-extraction with the same version must find nothing to do.
"""

from __future__ import annotations

import inspect

import duckdb
import pytest

import transforms.extract as extract_module
from flows.reextract import reextract
from pipeline.reextract import reextract_run
from snapshot import load_expected
from tests.support.reextract import shorten_long_articles

pytestmark = pytest.mark.integration

NEW_VERSION = "khabar-extract/99.0-test"
OUTLETS = ["lebrief"]  # one snapshot outlet keeps the test short (the crawl dominates)


@pytest.fixture(scope="module")
def stored(prefect_harness, tmp_path_factory):
    from flows.nightly import nightly

    tmp = tmp_path_factory.mktemp("reextract")
    db = tmp / "news.duckdb"
    # The nightly flow's parameters are being reshaped (flows/params.py): accept both forms.
    if "scope" in inspect.signature(nightly.fn).parameters:
        from pipeline.params import CrawlScope

        where = {"scope": CrawlScope(outlets=OUTLETS)}
    else:
        where = {"outlets": OUTLETS}
    state = nightly(**where, snapshot=True, db_path=str(db), runs_dir=str(tmp / "runs"),
                    extract_workers=0, return_state=True)
    assert state.is_completed(), state.message
    return tmp, db


def _rows(db, query: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query).fetchall()


def test_reextract_reports_changed_articles(stored, monkeypatch) -> None:
    tmp, db = stored
    old_version = extract_module.EXTRACTOR_VERSION
    articles_before = _rows(db, "select article_id, text from articles")
    long_ones = {aid for aid, text in articles_before if len(text.split("\n\n")) >= 5}
    assert 0 < len(long_ones) < len(articles_before)

    shorten_long_articles(monkeypatch, NEW_VERSION)
    state = reextract(db_path=str(db), runs_dir=str(tmp / "runs"), extract_workers=0,
                      return_state=True)
    assert state.is_completed(), state.message
    report = state.result()

    pages = _rows(db, "select count(distinct url) from extractions")[0][0]
    assert report.pages == pages
    assert {c["article_id"] for c in report.changed} == long_ones
    assert all(c["text_changed"] and not c["title_changed"] for c in report.changed)
    assert {c["previous_version"] for c in report.changed} == {old_version}

    # One new version per changed article, no duplicate article, every article re-stamped.
    versions = _rows(db, f"select article_id, version from article_versions "
                         f"where run_id = '{report.run_id}'")
    assert {aid for aid, _ in versions} == long_ones and {v for _, v in versions} == {2}
    after = _rows(db, "select article_id, extractor_version, canonical_url from articles")
    assert len(after) == len(articles_before) == len(
        [e for e in load_expected() if e["outlet"] in OUTLETS])
    assert len({aid for aid, _, _ in after}) == len(after)
    assert {v for _, v, _ in after} == {NEW_VERSION}
    assert _rows(db, "select count(*) from pages where run_id = "
                     f"'{report.run_id}'")[0][0] == 0  # bodies are not stored twice
    runs = _rows(db, f"select flow, status from crawl_runs where run_id = '{report.run_id}'")
    assert runs == [("reextract", "completed")]

    # Same version again: nothing to re-extract, nothing added.
    again = reextract_run(db, tmp / "runs" / "again", "again-1", workers=0)
    assert again.pages == 0 and again.changed == []
    assert _rows(db, "select count(*) from article_versions where run_id = 'again-1'") == [(0,)]
