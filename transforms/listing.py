"""Listing pages: strong evidence (``listing_proof``) and heuristics (``listing_reason``).

A listing is a page of teasers (a section front, a tag or author page, a shop's grid): not an
article, so the night does not store it. Strong evidence overrules a page's article metadata
(themes print ``og:type`` article on every page); the heuristics judge from the cleaned tree and
the body, and on a page with article evidence they only flag it (``extract._gate``), except
that a listing *shape* (``ListingCall.shape``) overrules weak evidence (``verdict.WeakEvidence``:
``og:type`` article standing alone, meta evidence on a listing template's URL) and a page of
links (``ListingCall.links``) any meta evidence (``verdict.MetaEvidence``). Pages that name
themselves listings are in ``named_listing.py``.
Every check reuses the tree already parsed and cleaned: on 200 ScrapingHub and WCXB articles
the product-grid check costs 1.9 % of the extraction time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from lxml.etree import XPath
from lxml.html import HtmlElement

from transforms import themes
from transforms.boilerplate import prose_length
from transforms.listing_urls import ARTICLE_PATH, HOME_PAGE, listing_url, slug_words
from transforms.themes import wordpress
from transforms.verdict import LD_ARTICLE_TYPES, MetaEvidence, WeakEvidence, word_units

LONG_PARAGRAPH_WORDS = 40
# Listing heuristics (``listing_reason``), for pages without article evidence. Measured on WCXB's
# dev split (216 listing and collection pages, 793 articles, ScrapingHub's 181 articles): the
# rules of khabar-extract 1.2 stored 96 of the 216 as articles, these store 44 (54 more
# rejected: 31 by the product grid, 11 by listing URLs, 8 by a shape overruling og:type article
# alone, 2 by h1 card titles, 2 WooCommerce product categories) and reject 2 articles where
# 1.2 rejected 3 (a dictionary entry and a page whose body trafilatura misses, bare F1 0.11),
# none of ScrapingHub's. The rules of
# khabar-extract 1.1 rejected 25 articles. Repeated link cards at 50 % instead of 80 % of the
# text would reject 9 more listings and 3 more articles (link-list pages of university sites).
LISTING_MIN_TEASERS = 2  # links to other articles of the site on a page without a long paragraph
LISTING_MIN_CARDS = 3  # linked card titles (h1-h4 > a) ...
LISTING_CARD_SHARE = 0.4  # ... whose cards hold this share of the prose
LISTING_GROUP_SHARE = 0.8  # repeated link cards (4+ alike siblings) holding this share of text
LISTING_MAX_LONG = 3  # ... on a page with at most this many long paragraphs
LISTING_URL_MAX_LONG = 2  # a listing template's URL and at most this many long paragraphs
# A URL whose last segment is a slug of this many words names one page, not a list of them.
ARTICLE_SLUG_WORDS = 4
# A shape that overrules weak evidence (``ListingCall.shape``): at least this many
# linked card titles whose cards hold this share of the prose (WCXB dev: four section fronts
# and a magazine category with og:type article, 25 to 64 cards at 88-99 %; the one article
# flagged by the card rule, four cards at 98 %, carries a JSON-LD Article); repeated link cards
# on a page without a publication date (an article with og:type article and 86 % of its text in
# restaurant cards had one); a listing template's URL. Not a product grid: on WCXB eight buying
# guides ("the best electric toothbrushes") with og:type article alone carry one.
SHAPE_MIN_CARDS = 5
SHAPE_CARD_SHARE = 0.8
# The teaser count ("N article links, no paragraph of 40+ words") is thin evidence: an explainer
# written in short paragraphs keeps a sidebar of links to the site's other explainers. It does
# not decide a page whose title reads as a headline (``HEADLINE_WORDS``) and that has little of
# its text in links and link cards. WCXB dev: of the 84 pages the teaser count rejected or
# flagged, this spares one article (a 7-word title, 13 % of its text in links, 3 % in cards)
# and seven service and product pages, and no listing or collection page.
HEADLINE_WORDS = 5
TEASER_LINK_SHARE = 0.2
TEASER_CARD_SHARE = 0.3
# A page whose text (after furniture removal) is nearly all link text is a list of links. WCXB
# dev: no article without article evidence has 85 % or more (the most, 76 %: an explainer of
# Google Cloud's with a long link index; with article evidence, 82 %: a CBS News story on
# ScrapingHub); of the listing pages the other rules stored, 3 have 85 % or more (a job
# board's category under a five-word slug, a trending page, a watch maker's category at
# 89.7 %), and one service and one product page.
LINKS_ONLY_SHARE = 0.85
# ... and with this share, it overrules meta evidence (``ListingCall.links``,
# ``verdict.MetaEvidence``): WCXB dev, a TV station's topic page with
# ``article:published_time``, 96 %; the most an article with meta evidence has, 82 % (a marketing
# agency's portfolio page with ``og:type`` article), so the margin is wider than
# ``LINKS_ONLY_SHARE``'s.
LINKS_OVER_META_SHARE = 0.9
# Product grids: at least this many alike sibling cards holding a link and a price or product
# markup (``shop_cards``).
SHOP_MIN_CARDS = 6
# A product grid is a shape (it overrules ``og:type`` article alone) on a page titled with a
# name (``catalogue.NAME_WORDS`` words at most) and with at most this many long paragraphs: a
# shop's category. WCXB dev: a sake importer's brand page (a 1-word title, 2 long paragraphs,
# 14 priced cards); the buying guides with a grid and ``og:type`` article alone have headlines
# or, under a 3-word title ("Best Toothbrush"), dozens of long paragraphs.
SHOP_SHAPE_MAX_LONG = 2

_STRING = XPath("string()", smart_strings=False)
_PAGED_URL = re.compile(r"[?&](page|paged|wpv_paged)=\d+|/page/\d+/?$")
_PAGED_TITLE = re.compile(r"\bpage \d+\b", re.IGNORECASE)


def _same_site_targets(links: Iterable[HtmlElement], url: str) -> set[str]:
    """Other article-looking pages (host and path) of the page's own site that ``links`` point
    to: its host or a subdomain of it (Slashdot's front links its stories on
    ``tech.slashdot.org``, ``science.slashdot.org``...)."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    own = (host, urlsplit(url).path.rstrip("/"))
    found: set[str] = set()
    for link in links:
        href = link.get("href")
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        parts = urlsplit(urljoin(url, href))
        target = (parts.hostname or "").removeprefix("www.")
        if target != host and not target.endswith("." + host):
            continue
        path = parts.path.rstrip("/")
        if path and (target, path) != own and ARTICLE_PATH.search(path.rsplit("/", 1)[-1]
                                                                     or path):
            found.add(f"{target}{path}")
    return found


def teaser_links(root: HtmlElement, url: str) -> int:
    """Distinct links to other article-looking pages of the same site (``_same_site_targets``)."""
    return len(_same_site_targets(root.iter("a"), url))


class ListingCall(NamedTuple):
    """A heuristic listing decision: why, and whether the page's shape is clear enough to
    overrule weak article evidence (``shape``, ``verdict.WeakEvidence``) or any meta evidence
    (``links``: a page of links, ``verdict.MetaEvidence``)."""

    reason: str
    shape: bool = False
    links: bool = False

    def overrules(self, evidence: str | None) -> bool:
        """This call overrules the page's article evidence (``verdict.article_evidence``)."""
        return ((self.shape and isinstance(evidence, WeakEvidence))
                or (self.links and isinstance(evidence, MetaEvidence)))


def listing_reason(cleaned: HtmlElement, url: str, paragraphs: Sequence[str],
                   dated: bool = False, evidence: str | None = None,
                   headline: bool = False, name: bool = False) -> ListingCall | None:
    """A page that is mostly teasers, by the shape of its cleaned tree and body (heuristic).

    Run on the cleaned tree (tickers, related cards and sidebars already gone), so an article's
    leftover links count little. The caller applies it to every page, but a page with article
    evidence is then only flagged, not rejected, unless the call overrules that evidence
    (``ListingCall.overrules``: a shape over weak evidence, a page of links over meta
    evidence). A URL ending in a long slug
    (``ARTICLE_SLUG_WORDS``) names one page and is never a listing by these rules.

    Args:
        cleaned: the page's tree after furniture removal.
        url: the page's URL.
        paragraphs: the extracted body's paragraphs.
        dated: the page's metadata gave a publication date.
        evidence: the page's article evidence (``verdict.article_evidence``). When it is meta
            evidence (``verdict.MetaEvidence``), the rules go on past the first that holds to
            find one that overrules it (``ListingCall.overrules``; WCXB dev: a course catalogue
            with 27 linked card titles holding 85 % of its prose, and a shop category under a
            ``/browse/`` URL, were first caught by the teaser count, which is no shape, and
            stored).
        headline: the page's title reads as a headline (``HEADLINE_WORDS`` or more words).
        name: the page's title is a name (``catalogue.NAME_WORDS`` words at most).

    Returns:
        The first rule that holds (with meta evidence, the first that overrules it if any
        does), or None.
    """
    first = None
    for call in _listing_calls(cleaned, url, paragraphs, dated, headline, name):
        if not isinstance(evidence, MetaEvidence) or call.overrules(evidence):
            return call
        first = first or call
    return first


def _listing_calls(cleaned: HtmlElement, url: str, paragraphs: Sequence[str], dated: bool,
                   headline: bool, name: bool) -> Iterator[ListingCall]:
    """Every listing rule that holds, in order (lazily: the caller stops at the first it
    wants)."""
    body = cleaned.find("body")
    scope = body if body is not None else cleaned
    # A product grid first: shops name their category pages with slugs too
    # ("women-sneakers-athletic-shoes").
    offers = shop_cards(scope)
    if offers >= SHOP_MIN_CARDS:
        # A shape only under a name, with little prose (``SHOP_SHAPE_MAX_LONG``): buying guides
        # ("the best kettles") carry a grid of priced cards.
        yield ListingCall(f"a grid of {offers} product cards (prices, product markup)",
                          name and _long(paragraphs) <= SHOP_SHAPE_MAX_LONG)
    named = product_listing_markup(scope)
    if named:
        # Never a shape: a "shop the story" strip could carry the class into an article.
        yield ListingCall(f"product listing page markup ({named})")
    linked = link_share(scope)
    if linked >= LINKS_ONLY_SHARE:
        # Whatever its URL: a job board's category named with a long slug.
        yield ListingCall(f"{linked:.0%} of the text in links",
                          links=linked >= LINKS_OVER_META_SHARE)
    listed = None if dated else teaser_list(scope, url)
    if listed:
        yield ListingCall(listed)
    if slug_words(url) >= ARTICLE_SLUG_WORDS:
        return
    long_paragraphs = _long(paragraphs)
    # Every link of the page is resolved to count teasers: only where it can decide.
    teasers = teaser_links(cleaned, url) if long_paragraphs == 0 else 0
    if teasers >= LISTING_MIN_TEASERS and not (headline and _little_in_links(scope)):
        yield ListingCall(f"{teasers} article links, no paragraph of {LONG_PARAGRAPH_WORDS}+ "
                          "words")
    headings, card_prose = teaser_cards(scope, url)
    if headings >= LISTING_MIN_CARDS:
        share = card_prose / max(1, prose_length(scope))
        if share >= LISTING_CARD_SHARE:
            yield ListingCall(f"{headings} linked card titles holding {share:.0%} of the prose",
                              headings >= SHAPE_MIN_CARDS and share >= SHAPE_CARD_SHARE)
    if long_paragraphs <= LISTING_MAX_LONG:
        share = link_card_share(scope)
        if share >= LISTING_GROUP_SHARE:
            yield ListingCall(f"repeated link cards hold {share:.0%} of the text, "
                              f"{long_paragraphs} long paragraphs", not dated)
    template = listing_url(url)
    if template and long_paragraphs <= LISTING_URL_MAX_LONG:
        yield ListingCall(f"{template}, {long_paragraphs} long paragraphs", True)
    elif template:
        # A front or section page whose teasers come with long summaries (Phoronix, LWN, InfoQ).
        teasers = teasers or teaser_links(cleaned, url)
        if teasers >= TEMPLATE_MIN_TEASERS:
            yield ListingCall(f"{template} with {teasers} article links", True)
        elif template != HOME_PAGE:
            share = link_card_share(scope)
            if share >= TEMPLATE_CARD_SHARE:
                yield ListingCall(f"{template}, repeated link cards hold {share:.0%} of the text",
                                  True)
    # The last page of a pagination may hold a single teaser.
    title = " ".join(" ".join(t.itertext()) for t in cleaned.iter("title"))
    if teasers and long_paragraphs == 0 and (_PAGED_URL.search(url) or _PAGED_TITLE.search(title)):
        yield ListingCall("paginated page of teasers")


# A list of teasers with summaries (a podcast's episodes, a search's results): an undated page
# with this share of its text in list items, linking this many other pages of the site from
# them. WCXB dev: a podcast's episode list, 20 items each with a long summary (every paragraph
# long, so the teaser count, which asks for none, missed it); of the articles, a buying guide
# and a ranking written as lists (93 % and 100 % in items, dated, or with no link to the site's
# pages from them), none.
TEASER_LIST_SHARE = 0.9
TEASER_LIST_MIN_LINKS = 10
_TOP_ITEMS = XPath(".//li[not(ancestor::li)]")


def teaser_list(scope: HtmlElement, url: str) -> str | None:
    """Why the page is a list of teasers (``TEASER_LIST_SHARE``), or None."""
    total = len("".join(_STRING(scope).split()))
    if not total:
        return None
    items = _TOP_ITEMS(scope)
    share = sum(len("".join(_STRING(item).split())) for item in items) / total
    if share < TEASER_LIST_SHARE:
        return None
    links = len(_same_site_targets((a for item in items for a in item.iter("a")), url))
    if links < TEASER_LIST_MIN_LINKS:
        return None
    return f"{links} article links in list items holding {share:.0%} of the text, no date"


def _long(paragraphs: Sequence[str]) -> int:
    """Paragraphs of ``LONG_PARAGRAPH_WORDS`` or more."""
    return sum(word_units(p) >= LONG_PARAGRAPH_WORDS for p in paragraphs)


def link_share(scope: HtmlElement) -> float:
    """Share of the text of ``scope`` (whitespace collapsed) that sits inside links."""
    total = len(" ".join(_STRING(scope).split()))
    linked = sum(len(" ".join(_STRING(a).split())) for a in scope.iter("a"))
    return linked / total if total else 0.0


def _little_in_links(scope: HtmlElement) -> bool:
    """Little of the page's text in links and in repeated link cards (``TEASER_LINK_SHARE``,
    ``TEASER_CARD_SHARE``)."""
    return (link_share(scope) < TEASER_LINK_SHARE
            and link_card_share(scope) < TEASER_CARD_SHARE)


# Card titles: h2-h4, and h1, which some fronts give every teaser (an article's own h1 does not
# link to another article).
_CARD_TITLES = ("h1", "h2", "h3", "h4")


def teaser_cards(scope: HtmlElement, url: str) -> tuple[int, int]:
    """Linked card titles (h2-h4 linking to another article of the site) and the prose of their
    cards (the largest ancestor of each title holding no other title)."""
    titles = [h for h in scope.iter(*_CARD_TITLES) if _same_site_targets(h.iter("a"), url)]
    if len(titles) < LISTING_MIN_CARDS:
        return len(titles), 0
    marked = set(titles)
    cards = set()
    for title in titles:
        card = title
        for ancestor in title.iterancestors():
            if ancestor is scope or sum(h in marked for h in ancestor.iter(*_CARD_TITLES)) > 1:
                break
            card = ancestor
        cards.add(card)
    return len(titles), sum(prose_length(card) for card in cards)


_CARD_MIN_GROUP = 4
_CARD_MAX_WORDS = 80


def _card_groups(scope: HtmlElement, weight: Callable[[HtmlElement], int],
                 skipped: frozenset[str] = frozenset()) -> Iterator[list[int]]:
    """The card weights of each group of at least ``_CARD_MIN_GROUP`` alike siblings (same tag
    and class; tags in ``skipped`` left out) of which three in four are cards (``weight`` > 0).
    A card's descendants are not searched again."""
    inside: set[HtmlElement] = set()
    for parent in scope.iter():
        if len(parent) < _CARD_MIN_GROUP or parent in inside:
            continue
        groups: dict[tuple[str, str | None], list[HtmlElement]] = {}
        for child in parent:
            if isinstance(child.tag, str) and child.tag not in skipped:
                groups.setdefault((child.tag, child.get("class")), []).append(child)
        for members in groups.values():
            if len(members) < _CARD_MIN_GROUP:
                continue
            cards = [(member, w) for member in members if (w := weight(member))]
            if len(cards) >= _CARD_MIN_GROUP and len(cards) >= 0.75 * len(members):
                for member, _ in cards:
                    inside.update(member.iter())
                yield [w for _, w in cards]


def _link_card_size(member: HtmlElement) -> int:
    """A teaser card's text length: linked, at most ``_CARD_MAX_WORDS`` words; else 0."""
    text = " ".join(_STRING(member).split())
    if text and len(text.split()) <= _CARD_MAX_WORDS and any(
            (a.get("href") or "#")[:1] != "#" for a in member.iter("a")):
        return len(text)
    return 0


def link_card_share(scope: HtmlElement) -> float:
    """Share of the page's text inside repeated link cards: groups of at least four alike
    siblings (same tag and class) of which three in four hold a link and at most 80 words, the
    shape of a teaser grid, a product grid or a search result list. An article's paragraphs are
    alike siblings too, but long or without links; its leftover menus are short."""
    total = len(" ".join(_STRING(scope).split()))
    if not total:
        return 0.0
    return sum(sum(sizes) for sizes in _card_groups(scope, _link_card_size)) / total


# A listing template's URL (or the home page) is a listing whatever its paragraphs when the page
# links to this many articles of its own site (WCXB dev: news fronts 36 to 81 once furniture is
# gone; a one-post blog's front page, annotated as an article, 11).
TEMPLATE_MIN_TEASERS = 20
# ... or, a template other than the home page, when repeated link cards hold this share of its
# text whatever its paragraphs (a shape). WCXB dev: a TV station's topic page (95 %, four long
# teaser paragraphs), a games shop's genre and category pages (62 %, 63 %); of the articles on
# such URLs (3 of 793, none of ScrapingHub's), the most is 32 % (a dictionary entry under
# /browse/, lost to the teaser count already), then 5 %.
TEMPLATE_CARD_SHARE = 0.5


# WordPress's body_class() names the template: "single single-post" for a post, the archive
# classes for listings (``transforms/themes/wordpress.py``); a themed page carries one of the
# themes' body-class prefixes (``transforms/themes/``).
_WP_ARCHIVE = wordpress.ARCHIVE_BODY_CLASSES
_THEMED_BODY = themes.body_prefixes()


def _wordpress_page_kind(root: HtmlElement) -> str | None:
    body = root.find("body")
    classes = set((body.get("class") or "").split()) if body is not None else set()
    if "single" in classes or "single-post" in classes:
        return "single"
    themed = any(c.startswith(_THEMED_BODY) for c in classes)
    if classes & _WP_ARCHIVE and themed:
        # A custom taxonomy's archive ("archive tax-language term-spanish") may be a plugin's
        # page with its own long text (on WCXB an annotated article): heuristics judge it.
        # WooCommerce's product categories and tags ("tax-product_cat") are shop grids.
        if (classes & _WP_ARCHIVE == {"archive"} and any(c.startswith("tax-") for c in classes)
                and not classes & {"tax-product_cat", "tax-product_tag"}):
            return None
        return "archive"
    return None


# JSON-LD types that name the page itself a list of other pages. Only a page type counts, not an
# ItemList anywhere on the page (an article may carry a list of products or steps).
_LD_LISTING_PAGES = {"collectionpage", "searchresultspage"}


def listing_proof(root: HtmlElement, ld_types: Iterable[str]) -> str | None:
    """Strong evidence that the page lists other pages, enough to overrule article metadata
    (themes print ``og:type`` article on every page): WordPress's body class for an archive
    template, a JSON-LD ``CollectionPage`` or ``SearchResultsPage`` and no Article object."""
    if _wordpress_page_kind(root) == "archive":
        return "WordPress archive page (body class)"
    types = set(ld_types)
    found = sorted(types & _LD_LISTING_PAGES)
    if found and not types & LD_ARTICLE_TYPES:
        return f"JSON-LD {found[0]}"
    return None


# A price: a currency sign or code next to a number. Product cards carry one; teasers do not.
PRICE = re.compile(
    r"(?:[$€£¥₹₽₺]|\b(?:USD|EUR|GBP|CHF|CAD|AUD|MAD|Rs\.?)\s?)\s?\d"
    r"|\d(?:[.,]\d\d)?\s?(?:[€£₽₺]|\b(?:USD|EUR|GBP|CHF|kr|zł|Kč|Ft|lei|DH|MAD|TL)\b)")
# Class tokens of e-commerce themes for one product in a grid (Shopify ``product-card``,
# ``grid-product``, Magento ``product-item``, WooCommerce ``product``, PrestaShop
# ``product-miniature``, ``product-tile``...).
_PRODUCT_CLASS = re.compile(
    r"(?:^|[-_])products?(?:[-_]?(?:card|item|tile|box|miniature|pod|thumb|block|wrapper))?$"
    r"|^(?:grid|card|list)[-_]?product$", re.IGNORECASE)


def _is_offer(member: HtmlElement) -> bool:
    """A card for one product: a link, and a price or a product class on the card or in it."""
    if not any((a.get("href") or "#")[:1] != "#" for a in member.iter("a")):
        return False
    if any(_PRODUCT_CLASS.search(token) for node in member.iter()
           for token in (node.get("class") or "").split()):
        return True
    return bool(PRICE.search(_STRING(member)))


def shop_cards(scope: HtmlElement) -> int:
    """Product cards in grids: groups of at least four alike siblings (same tag and class) of
    which three in four hold a link and a price or product markup (``_is_offer``). A shop's
    category page, whatever the length of the buying guide its SEO writers put above the
    grid; an article's paragraphs are neither linked cards nor priced."""
    return sum(len(offers) for offers in _card_groups(
        scope, lambda member: int(_is_offer(member)), _NOT_CARDS))


# A shop's category page names itself in its markup: "plp" (product listing page, the trade's
# word) in an id or class (``plp-page``, ``#plp``, ``plp-section-header``, ``plp-product``),
# Shopify themes' ``template-collection`` and ``product-listing-page`` body classes. Shops whose
# grid JavaScript draws, with an SEO text of their own above it, have no card in the HTML for
# ``shop_cards``, but keep these. WCXB dev and ScrapingHub, on the cleaned tree: 21 collection
# and listing pages (4 of them stored as articles by the other rules: a sportswear, a sewing
# machine, a kitchen appliance and a doorbell maker's categories), 3 product pages, no article
# (the word appears in 3 articles' style sheets, links and image names, and in one's script,
# never as an id or class). It costs 0.8 % of the extraction time (400 ScrapingHub and WCXB
# articles).
_PLP_TOKEN = re.compile(r"(?:^|[-_])plp(?:$|[-_])|^product-listing-page$|^template-collection$",
                        re.IGNORECASE)
# Lower-case ids and classes only (every page caught above writes them so); the body's own
# classes are read apart. Each further ``contains`` in the predicate costs about a third more.
_PLP_CANDIDATES = XPath(".//*[contains(concat(@class, ' ', @id), 'plp')]")


def product_listing_markup(scope: HtmlElement) -> str | None:
    """The id or class token by which a page names itself a shop's product listing page
    (``_PLP_TOKEN``), or None. ``scope`` itself (the body) counts: body classes name
    templates."""
    for element in [scope, *_PLP_CANDIDATES(scope)]:
        for name in ("class", "id"):
            for token in (element.get(name) or "").split():
                if _PLP_TOKEN.search(token):
                    return f"{name} {token[:40]}"
    return None


# Siblings that are never product cards (paragraphs of a guide, line breaks, code).
_NOT_CARDS = frozenset({"p", "br", "script", "style"})
