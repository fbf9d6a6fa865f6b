"""Listing rules of khabar-extract 1.8 (issue 13): a page of links overrules meta evidence, a
product grid under a name overrules ``og:type`` article alone, compound listing segments in
URLs, an undated list of teasers with summaries, and the floor's body of fragments on a page
without article evidence. Small synthetic pages; the corpus figures are in
``bench/corpora.py``."""

from __future__ import annotations

import json

from transforms import floor
from transforms.boilerplate import parse_page
from transforms.extract import extract_article
from transforms.listing import LINKS_ONLY_SHARE, LINKS_OVER_META_SHARE, link_share
from transforms.listing_urls import listing_url
from transforms.record import Article, Verdict
from transforms.verdict import word_units

LONG = ("Part {i}: the new opening hours start next month, and every branch of the service "
        "will answer calls on weekends too, the regional director said on Monday, adding "
        "that the change follows two years of complaints from families who work during the "
        "week and could not reach anyone before the offices closed.")


def _page(title: str, body: str, head: str = "") -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{head}</head>"
            f"<body><main><h1>{title}</h1>{body}</main></body></html>").encode()


def _extract(page: bytes, url: str) -> Article:
    return extract_article(page, url, outlet="test")


# --- a page of links overrules meta evidence ----------------------------------------------

PUBLISHED = "<meta property='article:published_time' content='2019-03-05T16:32:44-05:00'>"
TOPIC_URL = "https://tv.example.com/vehicle-rental/18236761/"


def _headlines(count: int) -> str:
    return "".join(
        f"<div class='item'><a href='/story/{1000 + i}/'>Rental firms raise prices again as "
        f"summer demand grows in region {i}</a></div>" for i in range(count))


def test_a_page_of_links_overrules_article_published_time() -> None:
    article = _extract(_page("Vehicle rental news", _headlines(20), PUBLISHED), TOPIC_URL)
    assert article.verdict is Verdict.LISTING, article.reason
    assert (article.reason or "").endswith(
        "of the text in links (overrules article:published_time meta alone)")


def test_links_short_of_the_meta_overrule_share_only_flag() -> None:
    # 85-90 % of the text in links: a page of links, but meta evidence still holds.
    intro = "<p>Our reporters follow the rental market across the region, every week.</p>" * 2
    page = _page("Vehicle rental news", intro + _headlines(20), PUBLISHED)
    root = parse_page(page.decode())
    assert root is not None
    share = link_share(root)
    assert LINKS_ONLY_SHARE <= share < LINKS_OVER_META_SHARE, share
    article = _extract(page, TOPIC_URL)
    assert article.verdict is Verdict.ARTICLE
    assert (article.reason or "").startswith("flagged listing: "), article.reason


def test_a_page_of_links_with_a_json_ld_article_is_stored_with_a_flag() -> None:
    ld = json.dumps({"@type": "NewsArticle", "headline": "Vehicle rental news"})
    head = f"{PUBLISHED}<script type='application/ld+json'>{ld}</script>"
    article = _extract(_page("Vehicle rental news", _headlines(20), head), TOPIC_URL)
    assert article.verdict is Verdict.ARTICLE
    assert (article.reason or "").startswith("flagged listing: ")


# --- a product grid under a name overrules og:type article alone ---------------------------

OG_ARTICLE = "<meta property='og:type' content='article'>"
BRAND_URL = "https://sake.example.com/premier-imports/hakutsuru/"


def _grid(cards: int) -> str:
    return "<div class='grid'>" + "".join(
        f"<div class='product-card'><a href='/sake/junmai-{i}'>Junmai {i}</a>"
        f"<span class='price'>$ {20 + i}.99</span></div>" for i in range(cards)) + "</div>"


def _prose(paragraphs: int) -> str:
    return "".join(f"<p>{LONG.format(i=i)}</p>" for i in range(paragraphs))


def test_a_product_grid_under_a_name_overrules_og_type_article() -> None:
    article = _extract(_page("Hakutsuru", _prose(2) + _grid(8), OG_ARTICLE), BRAND_URL)
    assert article.verdict is Verdict.LISTING, article.reason
    assert article.reason == ("a grid of 8 product cards (prices, product markup) "
                              "(overrules og:type article alone)")


def test_a_buying_guide_with_a_grid_is_stored_with_a_flag() -> None:
    # A headline for a title, or a name above much prose: a buying guide, not a shop's page.
    for title, paragraphs in (("The best sake to buy this winter", 2), ("Best Sake", 3)):
        article = _extract(_page(title, _prose(paragraphs) + _grid(8), OG_ARTICLE), BRAND_URL)
        assert article.verdict is Verdict.ARTICLE, (title, article.reason)
        assert (article.reason or "").startswith("flagged listing: a grid of 8 product cards")


# --- compound listing segments --------------------------------------------------------------


def test_compound_segments_name_listing_templates() -> None:
    assert listing_url("https://learn.example.org/students/course-catalog/data-science") \
        == "/course-catalog/ URL"
    assert listing_url("https://shop.example.com/product-category/outdoor-gear/") \
        == "/product-category/ URL"
    assert listing_url("https://news.example.com/news-archive/") == "/news-archive/ URL"
    # The word inside a slug, or before an article's slug, names no template.
    assert listing_url("https://hardware.example.com/austin-catalog-index/") is None
    assert listing_url("https://news.example.com/category-winners/") is None
    assert listing_url(
        "https://news.example.com/news-archive/the-mayor-opens-the-new-library-today") is None


def test_a_course_catalogue_subject_page_is_a_listing() -> None:
    article = _extract(_page("Data science", _prose(2)),
                       "https://learn.example.org/students/course-catalog/data-science")
    assert article.verdict is Verdict.LISTING, article.reason
    assert article.reason == "/course-catalog/ URL, 2 long paragraphs"


# --- an undated list of teasers with summaries ---------------------------------------------

SHOW_URL = "https://podcasts.example.com/shows/gaming-weekly"
# Five words: not a name, so the catalogue rule (``catalogue.NAME_WORDS``) stays out of it.
SHOW = "GNW: the Gaming News Weekly"


def _episodes(count: int, host: str = "") -> str:
    return "<ul class='episodes'>" + "".join(
        f"<li><a href='{host}/episodes/episode-{i}-the-week-in-games'>Episode {i}</a>"
        f"<p>{LONG.format(i=i)}</p></li>" for i in range(count)) + "</ul>"


def test_an_undated_list_of_teasers_is_a_listing() -> None:
    article = _extract(_page(SHOW, _episodes(12)), SHOW_URL)
    assert article.verdict is Verdict.LISTING, article.reason
    assert (article.reason or "").startswith("12 article links in list items holding ")


def test_lists_that_are_not_teasers_are_stored() -> None:
    # Items linking elsewhere (a ranking of other sites), or too few of the site's pages.
    elsewhere = _extract(_page(SHOW, _episodes(12, "https://other.example.org")),
                         SHOW_URL)
    assert elsewhere.verdict is Verdict.ARTICLE, elsewhere.reason
    few = _extract(_page(SHOW, _episodes(9)), SHOW_URL)
    assert few.verdict is Verdict.ARTICLE, few.reason
    # A dated page: a story written as a list.
    dated = _extract(_page(SHOW, _episodes(12),
                           "<meta name='date' content='2025-12-15'>"), SHOW_URL)
    assert dated.verdict is Verdict.ARTICLE, dated.reason


# --- the floor's body of fragments -----------------------------------------------------------


def _prefer(ours_words: int, untouched: list[str], evidence: bool) -> bool:
    return floor.prefer_untouched(ours_words, word_units("\n\n".join(untouched)), untouched,
                                  evidence)


def test_the_floor_takes_no_body_of_fragments_on_a_page_without_evidence() -> None:
    rows = [f"{rank}. University number {rank} 98.{rank}" for rank in range(100)]
    assert not _prefer(14, rows, evidence=False)
    assert _prefer(14, rows, evidence=True)
    # One paragraph of prose is enough: an article the furniture rules deleted; and so is news
    # written in one-sentence paragraphs, none of 40 words.
    assert _prefer(14, [*rows, LONG.format(i=1)], evidence=False)
    sentences = [f"The council met on Tuesday, item {i} of the «plan»." for i in range(30)]
    assert _prefer(14, sentences, evidence=False)
    assert not _prefer(14, sentences[:10] + rows[:20], evidence=False)
    # Still only when clearly richer.
    assert not _prefer(1000, [LONG.format(i=1)], evidence=True)
