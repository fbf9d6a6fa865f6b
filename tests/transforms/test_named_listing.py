"""Pages that name themselves listings (``transforms/named_listing.py``, issue 13): a home page
titled "Home", a "List of …" page of links. Strong evidence: it overrules a JSON-LD Article.
Small synthetic pages; the corpus figures are in ``bench/corpora.py``."""

from __future__ import annotations

import json

from transforms.extract import extract_article
from transforms.record import Article, Verdict

PROSE = "".join(
    f"<p>Part {i}: the engineers behind the new release explain how they rebuilt the code "
    f"review flow, why it took two years, what broke on the way and what every team using "
    f"the service should change in its own set-up before the old interface goes away.</p>"
    for i in range(3))


def _page(title: str, ld_type: str, body: str, og_type: str = "website") -> bytes:
    ld = json.dumps({"@context": "https://schema.org", "@type": ld_type, "headline": title,
                     "datePublished": "2024-07-23T05:50:32-07:00"})
    return (f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>"
            f"<meta property='og:type' content='{og_type}'>"
            f"<script type='application/ld+json'>{ld}</script></head>"
            f"<body><main><h1>{title}</h1>{body}</main></body></html>").encode()


def _extract(page: bytes, url: str) -> Article:
    return extract_article(page, url, outlet="test")


def test_the_home_page_titled_home_is_a_listing_whatever_its_json_ld() -> None:
    article = _extract(_page("Home", "BlogPosting", PROSE), "https://blog.example.com/")
    assert article.verdict is Verdict.LISTING, article.reason
    assert article.reason == "the home page, titled 'Home'"
    french = _extract(_page("Accueil", "NewsArticle", PROSE), "https://journal.example.ma/fr/")
    assert french.verdict is Verdict.LISTING, french.reason


def test_home_is_only_a_name_on_the_home_page() -> None:
    # A story titled "Home" (a film, a novel) on its own URL, and a home page with a headline.
    story = _extract(_page("Home", "NewsArticle", PROSE),
                     "https://news.example.com/2024/07/23/review-home-1234")
    assert story.verdict is Verdict.ARTICLE, story.reason
    front = _extract(_page("Why we rebuilt the code review flow", "BlogPosting", PROSE),
                     "https://blog.example.com/")
    assert front.verdict is Verdict.ARTICLE, front.reason


def _links(count: int) -> str:
    return "<ul>" + "".join(
        f"<li><a href='/wiki/River_{i}'>River number {i} of the country</a> ({i * 10} km)</li>"
        for i in range(count)) + "</ul>"


def test_a_list_of_page_of_links_is_a_listing_whatever_its_json_ld() -> None:
    page = _page("List of rivers of Morocco", "Article",
                 "<p>This is a list of the rivers of Morocco.</p>" + _links(30))
    article = _extract(page, "https://en.wiki.example.org/wiki/List_of_rivers_of_Morocco")
    assert article.verdict is Verdict.LISTING, article.reason
    assert (article.reason or "").startswith("titled 'List of rivers of Morocco', ")
    arabic = _extract(_page("قائمة أنهار المغرب", "Article", _links(30)),
                      "https://ar.wiki.example.org/wiki/rivers")
    assert arabic.verdict is Verdict.LISTING, arabic.reason


def test_a_list_of_story_in_prose_is_stored() -> None:
    # "List of …" in the title, but the text is prose: a news story, not a page of links.
    page = _page("List of winners at the national press awards", "NewsArticle",
                 PROSE + _links(3), og_type="article")
    article = _extract(page, "https://news.example.com/2024/07/23/press-awards-winners")
    assert article.verdict is Verdict.ARTICLE, article.reason
    assert article.reason is None
