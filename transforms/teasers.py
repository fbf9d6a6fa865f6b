"""Teasers for other pages inside the article body: lines that are one link, lists of cards.

News sites put links to their other stories inside the body, with no label and no class that
names them: Fox News' capitalised ``<p><strong><a>SEAN SPICER ELIMINATED …</a></strong></p>``
between two paragraphs, cleveland.com's row of ``<p><a>Dave Matthews Band takes over …</a></p>``,
CBS Sports' list of cards (a linked ``<h3>`` headline and a subline) inside the story.
trafilatura keeps them (they are paragraphs and lists in the body container), and
``readalso.py`` only sees those that carry a label. The rules here are structural:

* a paragraph whose whole text is the text of one link to another article of the site,
  headline-long (``TEASER_WORDS`` words or more), among paragraphs of prose;
* a list whose every item is a card: a linked heading to another article of the site.

A paragraph that links a few words of a sentence, a link to another site (the article's
source), or a list of links without headings stays: WCXB's articles keep their lists of
resources ("Read my review of this property here", a course list), which a rule on the link
share of list items removed (WCXB articles F1 -0.09 and -0.05 on two of them).

The teasers are found on the cleaned tree and their text is dropped from trafilatura's lines
(``teaser_keys``, ``drop_teasers``); the tree itself is left whole, since the listing gate
reads the page's teasers as evidence (removing them from the tree stored eight WCXB listing
pages as articles).
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml.etree import XPath
from lxml.html import HtmlElement

from transforms.boilerplate import non_space_length
from transforms.listing import teaser_links
from transforms.verdict import word_units

# A teaser is a headline: at least this many words (a "Photos" or "Video" link is not one).
TEASER_WORDS = 4
# A list of teasers has at least this many items.
LIST_MIN_ITEMS = 2

_ALL_TEXT = XPath("string(.)", smart_strings=False)
_LINKS = XPath(".//a[@href]")
_LINK_TEXT = XPath(".//a[@href]//text()", smart_strings=False)
_LINKED_HEADING = XPath("(.//h2|.//h3|.//h4|.//h5|.//h6)[.//a[@href]]")


def _linked(element: HtmlElement) -> tuple[int, int]:
    """Characters of text and of link text under ``element``, whitespace not counted."""
    return (non_space_length(_ALL_TEXT(element)),
            non_space_length("".join(_LINK_TEXT(element))))


def _link_line(paragraph: HtmlElement, url: str) -> bool:
    """One link to another article of the site is the paragraph's whole text, and that text is
    a headline. A link elsewhere ("CLICK FOR FULL STATE SWIM RESULTS", to the results' site) is
    the article's own pointer to its source."""
    if (paragraph.text or "").strip() or len(_LINKS(paragraph)) != 1:
        return False  # the cheap test first: a paragraph of prose opens with text
    text, linked = _linked(paragraph)
    return (text > 0 and linked == text and word_units(_ALL_TEXT(paragraph)) >= TEASER_WORDS
            and teaser_links(paragraph, url) == 1)


def _among_prose(paragraph: HtmlElement) -> bool:
    """A sibling paragraph holds prose that is not a link: the line sits in an article."""
    parent = paragraph.getparent()
    if parent is None:
        return False
    for sibling in parent.iterchildren("p"):
        if sibling is paragraph:
            continue
        text, linked = _linked(sibling)
        if text - linked >= 2 * max(linked, 1):
            return True
    return False


def _card_list(listing: HtmlElement, url: str) -> bool:
    """Every item is a card: a linked heading to another article of the site (CBS Sports: a
    linked <h3> and an unlinked <h4> subline)."""
    items = [child for child in listing if child.tag == "li"]
    if len(items) < LIST_MIN_ITEMS or len(items) != len(listing):
        return False
    for item in items:
        headings = _LINKED_HEADING(item)
        if not headings or word_units(_ALL_TEXT(item)) < TEASER_WORDS or not teaser_links(
                headings[0], url):
            return False
    return True


def _key(text: str) -> str:
    """A line's identity across our tree and trafilatura's output: its characters without
    whitespace (trafilatura joins a card's parts with spaces) or a list item's dash."""
    return "".join(text.split()).removeprefix("-")


def teaser_keys(root: HtmlElement, url: str) -> frozenset[str]:
    """The text of each teaser line, and of each card of a teaser list, in ``root`` (see the
    module's docstring), as ``drop_teasers`` compares it.

    Args:
        root: the cleaned page, as trafilatura gets it.
        url: the page's URL: teasers link other articles of its site.
    """
    # lxml's iteration, not an XPath selecting the paragraphs that hold a link: that query
    # cost twice as long as these tests, most of which end at the paragraph's opening text.
    keys = {_key(_ALL_TEXT(p)) for p in root.iter("p") if _link_line(p, url) and _among_prose(p)}
    for listing in root.iter("ul", "ol"):
        if _card_list(listing, url):
            keys.update(_key(_ALL_TEXT(item)) for item in listing)
    return frozenset(keys)


def drop_teasers(paragraphs: Iterable[str], keys: frozenset[str]) -> list[str]:
    """``paragraphs`` without the teasers' lines (``teaser_keys``)."""
    if not keys:
        return list(paragraphs)
    return [p for p in paragraphs if _key(p) not in keys]
