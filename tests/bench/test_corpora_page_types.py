"""Page types on real pages (issue 13): WCXB's listing and collection pages kept out, its
articles kept. Every page of those types in the dev split, ours only (no bare trafilatura:
nothing here compares with it). Skipped without the datasets, like ``test_corpora.py``;
``python -m bench.corpora`` gives the same figures with the rest of the table.
"""

from __future__ import annotations

from functools import cache

from bench.corpora import (
    NON_ARTICLE_TYPES,
    WCXB_LOST_GOAL,
    PageResult,
    load_wcxb,
    run_corpus,
)
from tests.support.corpora import FOLDER, needs_corpora

pytestmark = needs_corpora
# Listing and collection pages stored as articles: 44 of 216 (20.4 %) with khabar-extract 1.4,
# 28 (13.0 %) with the page-type rules of 1.6 (issue 13's goal is 5 %). The bound leaves room
# for four pages and fails long before a return to 1.4's figure.
STORED_NON_ARTICLES_MAX = 0.15


@cache
def _wcxb(types: tuple[str, ...]) -> list[PageResult]:
    assert FOLDER is not None
    return run_corpus(load_wcxb(FOLDER / "wcxb-dev", types=types), ["ours"])


def test_wcxb_listing_and_collection_pages_mostly_kept_out() -> None:
    results = _wcxb(NON_ARTICLE_TYPES)
    stored = [r.page.url for r in results if r.outputs["ours"].stored]
    assert len(stored) <= STORED_NON_ARTICLES_MAX * len(results), stored


def test_wcxb_articles_lost_within_the_goal() -> None:
    results = _wcxb(("article",))
    lost = [(r.page.url, r.outputs["ours"].verdict, r.outputs["ours"].reason)
            for r in results if not r.outputs["ours"].stored]
    assert len(lost) <= WCXB_LOST_GOAL * len(results), lost
