"""The extraction floor's second pass is not run on a page that the gate will call a listing
whatever its body (``extract._listing_whatever_the_body``): a shop's grid, no article evidence.

Counted with a wrapper around ``trafilatura.bare_extraction`` (a library we do not own): the
stored record is the same either way, only the time differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import trafilatura

from transforms.extract import extract_article
from transforms.record import Verdict

# Two sidebars of prose, each under half of the page's prose (the prose guard keeps more):
# the furniture rules remove far more prose than the body keeps, so the floor would check.
SIDEBAR = 2 * ("<div class='sidebar'>" + "".join(
    f"<p>Our shop story, part {i}: we started selling kettles from a garage in 1998 and grew "
    f"into a family business with three warehouses and a repair service for every model.</p>"
    for i in range(4)) + "</div>")


def _grid(cards: int) -> str:
    return "<ul class='products'>" + "".join(
        f"<li class='product'><a href='/kettles/kettle-{i}'>Kettle {i}</a>"
        f"<span class='price'>$ {20 + i}.99</span></li>" for i in range(cards)) + "</ul>"


def _page(head: str, grid: str) -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><title>Kettles</title>{head}</head><body>"
            f"<main><h1>Kettles</h1><p>Electric and stove-top kettles for every kitchen, "
            f"delivered in two days.</p>{grid}</main>{SIDEBAR}</body></html>").encode()


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times trafilatura ran, per extraction."""
    calls = [0]
    real = trafilatura.bare_extraction

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", counted)
    yield calls


def test_a_shop_grid_without_article_evidence_gets_no_second_pass(passes: list[int]) -> None:
    article = extract_article(_page("", _grid(12)), "https://shop.example.com/kettles",
                              outlet="test")
    assert article.verdict is Verdict.LISTING
    assert passes[0] == 1


def test_a_page_with_article_evidence_keeps_its_second_pass(passes: list[int]) -> None:
    """article:published_time: the gate would only flag the grid, so the floor may still
    decide (``og:type`` article alone would not do: a grid under a name overrules it)."""
    published = "<meta property='article:published_time' content='2025-05-01T08:00:00Z'>"
    article = extract_article(_page(published, _grid(12)),
                              "https://shop.example.com/kettles", outlet="test")
    assert article.verdict is Verdict.ARTICLE
    assert passes[0] == 2
