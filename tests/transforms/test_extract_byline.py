"""The byline guess skips trafilatura's byline expressions when no attribute of the page can
match them (``extract._byline_possible``), and gives what ``trafilatura.metadata.extract_author``
gives on the same tree either way."""

from __future__ import annotations

from copy import deepcopy

import pytest
from trafilatura.metadata import extract_author

from transforms.boilerplate import parse_page
from transforms.extract import _byline_guess, _byline_possible

STORY = "<p>The council met on Tuesday to discuss the water plan for the summer.</p>"


@pytest.mark.parametrize(("body", "possible"), [
    (f"<div class='story'>{STORY}</div>", False),
    (f"<div class='story'><span class='byline'>By Ana Diaz</span>{STORY}</div>", True),
    (f"<div class='story'><p class='post-Author'>Ana Diaz</p>{STORY}</div>", True),
    (f"<div class='story'><a rel='author' href='/ana'>Ana Diaz</a>{STORY}</div>", True),
    (f"<div class='story'><span itemprop='author'>Ana Diaz</span>{STORY}</div>", True),
    (f"<div class='story' data-component='ArticleByline'>Ana Diaz{STORY}</div>", True),
    (f"<div class='story'><div class='writer-box'>Ana Diaz</div>{STORY}</div>", True),
    (f"<div class='story'><author>Ana Diaz</author>{STORY}</div>", True),
])
def test_the_guess_equals_trafilaturas(body: str, possible: bool) -> None:
    page = parse_page(f"<html><head><title>Water</title></head><body>{body}</body></html>")
    assert page is not None
    assert _byline_possible(page) is possible
    expected = extract_author(deepcopy(page))
    assert _byline_guess(page) == expected
    assert (expected is not None) is possible
