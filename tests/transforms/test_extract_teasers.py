"""Teasers and hover cards inside the article body, social and comment lines, and furniture
names joined to others.

Small synthetic pages, one per cause class found on ScrapingHub and WCXB pages: a paragraph
that is one link to another story of the site, teaser cards in a list, a hover card's box of
headlines inside a sentence, "follow us on" and "Comments" lines, a container named
"<something>-and-related" that holds the article.
"""

from __future__ import annotations

import pytest

from transforms.boilerplate import clean_paragraph, parse_page, remove_boilerplate_nodes
from transforms.extract import extract_article
from transforms.teasers import teaser_keys

URL = "https://news.example.com/2024/05/water-plan-approved"
STORY = [
    f"Paragraph {i}: the regional council met on Tuesday to discuss the water plan for the "
    f"coming summer, and its members agreed on a budget after a long debate about wells, "
    f"pumps, the price of water for farmers and the reservoirs that the dry spring left "
    f"half empty in the valley {i}."
    for i in range(1, 9)
]
TEASER = "Mayor opens the new bridge over the river after three years of works"
OTHER = "https://news.example.com/2024/05/mayor-opens-new-bridge-over-river"


def _page(body: str) -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><title>Water plan</title></head><body>"
            f"<article><h1>Water plan approved</h1>{body}</article></body></html>").encode()


def _story(middle: str = "", end: str = "") -> str:
    half = len(STORY) // 2
    return ("".join(f"<p>{p}</p>" for p in STORY[:half]) + middle
            + "".join(f"<p>{p}</p>" for p in STORY[half:]) + end)


def _text(body: str) -> str:
    article = extract_article(_page(body), URL, outlet="test")
    for paragraph in STORY:
        assert paragraph in article.text, paragraph[:20]
    return article.text


@pytest.mark.parametrize("line", [
    f"<p><strong><a href='{OTHER}'>{TEASER.upper()}</a></strong></p>",
    f"<p style='text-align: center'><a href='{OTHER}'>{TEASER}</a></p>",
    f"<p><a href='/2024/05/mayor-opens-new-bridge-over-river'>{TEASER}</a></p>",
])
def test_a_paragraph_that_is_one_link_to_another_story_goes(line: str) -> None:
    text = _text(_story(middle=line))
    assert "bridge" not in text.lower()


@pytest.mark.parametrize("line", [
    # A link to another site: the article's pointer to its source ("CLICK FOR FULL RESULTS").
    "<p><a href='https://results.example.org/swimming/state'>CLICK FOR FULL STATE SWIM "
    "RESULTS</a></p>",
    # A few words of a sentence are linked.
    f"<p>The mayor said on Monday that she <a href='{OTHER}'>opens the new bridge</a> next "
    "week, after three years of works.</p>",
    # A short link is not a headline.
    f"<p><a href='{OTHER}'>Photos</a></p>",
])
def test_a_link_that_is_not_a_teaser_stays(line: str) -> None:
    page = parse_page(_page(_story(middle=line)).decode())
    assert page is not None
    assert not teaser_keys(page, URL)


def test_a_list_of_links_without_headings_stays() -> None:
    """WCXB's articles keep their lists of resources, linked or not."""
    items = "".join(f"<li><a href='https://news.example.com/2024/05/story-number-{i}-here'>"
                    f"Story number {i} about the river and its bridges</a></li>"
                    for i in range(3))
    page = parse_page(_page(_story(end=f"<ul>{items}</ul>")).decode())
    assert page is not None
    assert not teaser_keys(page, URL)


def test_a_list_of_teaser_cards_with_linked_headlines_goes() -> None:
    cards = "".join(
        f"<li><a href='https://news.example.com/2024/05/card-{i}-story-here'><img src='x.jpg'>"
        f"</a><h3><a href='https://news.example.com/2024/05/card-{i}-story-here'>Card {i}</a>"
        f"</h3><h4>What you need to know about the card number {i} and its long subline</h4>"
        "</li>" for i in range(3))
    text = _text(_story(end=f"<ul>{cards}</ul>"))
    assert "subline" not in text


def test_a_list_with_prose_in_its_items_stays() -> None:
    items = "".join(
        f"<li>Step {i}: fill the tank with clean water, check the valves and read the "
        f"<a href='https://news.example.com/2024/05/manual-part-{i}-here'>manual</a> again</li>"
        for i in range(3))
    page = parse_page(_page(_story(end=f"<ul>{items}</ul>")).decode())
    assert page is not None
    assert not teaser_keys(page, URL)


def test_a_hover_cards_box_goes_and_the_name_stays() -> None:
    card = ("<span class='rollover-people'><a class='rollover-people-link' href='/people/ana'>"
            "Ana Diaz</a><span class='rollover-people-block'><a href='/2024/05/other-story'>"
            "Council delays vote on the harbour plan | Senators call for hearing</a></span>"
            "</span>")
    line = f"<p>The plan was drafted by {card} with the engineers of the water board.</p>"
    text = _text(_story(middle=line))
    assert "drafted by Ana Diaz with the engineers" in text
    assert "harbour" not in text


@pytest.mark.parametrize(("line", "kept"), [
    ("Have a tip? Amy Smith may be reached at asmith@example.com. Follow her on Twitter "
     "@asmith or on Facebook.", False),
    ("Follow us on Telegram, Facebook, Instagram, YouTube and X for the latest news.", False),
    ("Comments", False),
    ("12 comments", False),
    # A question ending a paragraph, and a long closing paragraph that the truth keeps.
    ("Comments?", True),
    ("I hope this demo will help you apply transparency logs to your own systems. If you need "
     "help, you can join our Slack. You might also want to follow me on Bluesky at "
     "@someone.example or on Mastodon at @someone@example.social, where I post every week.",
     True),
])
def test_social_and_comment_lines(line: str, kept: bool) -> None:
    assert (clean_paragraph(line) == line) is kept


@pytest.mark.parametrize(("name", "kept"), [
    ("map-and-related", True),  # lsc.gov: the article's second half and its map
    ("share-and-related", False),  # both names are furniture
    ("related-and-popular", False),  # the furniture name comes first
])
def test_a_name_joined_by_and_to_furniture(name: str, kept: bool) -> None:
    html = (f"<html><body><div class='menu'>{'<a href=/x>Section</a>' * 40}</div>"
            f"<div id='{name}'><p>{STORY[0]}</p></div><div class='footer-links'>"
            f"{'<p>Footer line about the site and its many offices in town.</p>' * 12}</div>"
            "</body></html>")
    page = parse_page(html)
    assert page is not None
    remove_boilerplate_nodes(page)
    assert (STORY[0] in page.text_content()) is kept
