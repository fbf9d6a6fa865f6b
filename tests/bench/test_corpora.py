"""Extraction on real pages (issue 13): ScrapingHub's 181 news articles and a WCXB sample.

The datasets are read from ``../shared/datasets`` beside the repository (or
``$KHABAR_DATASETS``) and never copied into it; without them these tests are skipped.
``python -m bench.corpora`` measures the same corpora in full, with timings.
"""

from __future__ import annotations

import statistics
from functools import cache

from bench.corpora import (
    CorpusPage,
    PageResult,
    load_scrapinghub,
    load_wcxb,
    metadata_scores,
    run_corpus,
)
from tests.support.corpora import FOLDER, needs_corpora

pytestmark = needs_corpora
# A spread of WCXB's dev articles (every k-th id): enough to see a regression, quick to run.
WCXB_SAMPLE = 160


@cache
def _scrapinghub() -> list[PageResult]:
    assert FOLDER is not None
    return run_corpus(load_scrapinghub(FOLDER / "scrapinghub"), ["ours", "bare"])


@cache
def _wcxb_articles() -> list[PageResult]:
    assert FOLDER is not None
    pages: list[CorpusPage] = load_wcxb(FOLDER / "wcxb-dev", WCXB_SAMPLE, types=["article"])
    return run_corpus(pages, ["ours", "bare"])


def _f1(results: list[PageResult], system: str) -> float:
    return statistics.fmean(r.scores[system][2] for r in results)


def test_no_scrapinghub_article_lost() -> None:
    lost = [(r.page.url, r.outputs["ours"].verdict, r.outputs["ours"].reason)
            for r in _scrapinghub() if not r.outputs["ours"].stored]
    assert not lost


def test_scrapinghub_f1_not_below_bare_trafilatura() -> None:
    results = _scrapinghub()
    assert _f1(results, "ours") >= _f1(results, "bare")


def test_wcxb_articles_f1_not_below_bare_trafilatura() -> None:
    results = _wcxb_articles()
    assert _f1(results, "ours") >= _f1(results, "bare")


def test_wcxb_articles_kept_where_bare_trafilatura_succeeds() -> None:
    # No article that bare trafilatura extracts well (F1 ≥ 0.8) comes out of ours unusable.
    collapsed = [(r.page.url, r.outputs["ours"].verdict, round(r.scores["ours"][2], 2))
                 for r in _wcxb_articles()
                 if r.scores["bare"][2] >= 0.8 and r.scores["ours"][2] < 0.5]
    assert not collapsed


@cache
def _wcxb_metadata() -> list[PageResult]:
    assert FOLDER is not None
    pages: list[CorpusPage] = load_wcxb(FOLDER / "wcxb-dev", WCXB_SAMPLE, types=["article"])
    return run_corpus(pages, ["ours", "bare-metadata"])


def test_wcxb_article_metadata_not_below_bare_trafilatura() -> None:
    # Title, author and date (same day), by bench/metadata_match.py's rules, over the pages
    # whose truth has the field: ours at least as often right as trafilatura's metadata pass.
    results = _wcxb_metadata()
    ours, bare = metadata_scores(results, "ours"), metadata_scores(results, "bare-metadata")
    for name in ("title", "author", "date"):
        assert getattr(ours, name).score >= getattr(bare, name).score, name
