"""Catalogue pages: a shop's category, a course catalogue, a product or service page.

Pages that name a *thing* rather than report a story, and that the listing rules
(``listing.listing_reason``) miss because their grid is drawn by JavaScript (no card in the
HTML) or because an SEO text sits above it. Four pieces of page-level evidence, all required,
none of which an article written for a news page lacks:

* no article evidence at all (the caller applies this only to such pages: it is a heuristic);
* no publication date in the page's metadata;
* a **name, not a headline**, for a title: at most ``NAME_WORDS`` words ("Power Tools",
  "Data Science Courses", "Apple Watch"); the title of an article is a sentence;
* a URL whose last segment is a short slug (at most ``NAME_WORDS`` words: ``/c/headphones``,
  ``/automatic-watches``), where an article's slug repeats its headline;

and one sign of a list of offers: at least ``LINK_SHARE`` of the page's text (after furniture
removal) in links, ``CARD_SHARE`` of it in repeated link cards (``listing.link_card_share``),
``MIN_PRICES`` prices in it, or a JSON-LD object that describes an offer (``OFFER_TYPES``: a
product, a course, a service, a business).

Measured on WCXB's dev split against the rules of khabar-extract 1.4 (44 of its 216 listing and
collection pages stored as articles, 30 of them without article evidence), and ScrapingHub's
181 news articles: the rule keeps out 11 more listing and collection pages (and 4 collection
pages 1.4 judged too short) and no article of either set; of the other types it keeps out 6
service, 5 product and 4 documentation pages named like a catalogue ("Pet Insurance", "MacBook
Air", "Redis data types"), which a news monitor does not store either. Each piece alone is
weak: 16 of the 200 WCXB articles without article evidence have a title of at most three words
and no date, 29 carry five prices or more.

The JSON-LD sign, measured after khabar-extract 1.6's rules with the other pieces in place:
1 listing page (a course path with a JSON-LD ``Course``), 4 service and 6 product pages more,
no article of WCXB or ScrapingHub (on WCXB one article without article evidence carries a
``Course`` object and one an ``ItemList``: neither is titled with a name and undated; an
``ItemList`` or ``FAQPage`` alone is no offer, articles carry them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml.etree import XPath
from lxml.html import HtmlElement

from transforms.listing import PRICE, link_card_share, link_share
from transforms.listing_urls import slug_words
from transforms.verdict import word_units

NAME_WORDS = 3
LINK_SHARE = 0.3
CARD_SHARE = 0.5
MIN_PRICES = 5
# JSON-LD types (lower case) that describe a thing on offer rather than a story.
OFFER_TYPES = frozenset({
    "product", "productgroup", "offercatalog", "course", "educationaloccupationalprogram",
    "service", "localbusiness", "event",
})

_STRING = XPath("string()", smart_strings=False)
_SPACES = re.compile(r"\s+")


def catalogue_reason(cleaned: HtmlElement, url: str, title: str | None,
                     dated: bool, ld_types: Iterable[str] = ()) -> str | None:
    """Why a page without article evidence is a catalogue page (module docstring), or None.

    Args:
        cleaned: the page's tree after furniture removal.
        url: the page's URL.
        title: the record's title (site name already stripped), None when none was found.
        dated: the page's metadata gave a publication date.
        ld_types: the lower-case ``@type`` values of the page's JSON-LD objects.
    """
    if dated or not title or slug_words(url) > NAME_WORDS:
        return None
    words = word_units(title)
    if words > NAME_WORDS:
        return None
    body = cleaned.find("body")
    scope = body if body is not None else cleaned
    named = f"a {words}-word title, no date"
    share = link_share(scope)
    if share >= LINK_SHARE:
        return f"catalogue page: {named}, {share:.0%} of the text in links"
    share = link_card_share(scope)
    if share >= CARD_SHARE:
        return f"catalogue page: {named}, {share:.0%} of the text in link cards"
    prices = len(PRICE.findall(_SPACES.sub(" ", _STRING(scope))))
    if prices >= MIN_PRICES:
        return f"catalogue page: {named}, {prices} prices"
    offers = sorted(OFFER_TYPES.intersection(ld_types))
    if offers:
        return f"catalogue page: {named}, JSON-LD {offers[0]}"
    return None
