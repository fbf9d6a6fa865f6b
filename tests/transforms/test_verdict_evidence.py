"""Weak article evidence (issue 13): meta tags on a listing template's URL give way to the
page's listing shape, strong evidence never does; pages of links and topic pages of link cards.
One small synthetic page per rule; the corpus figures are in ``bench/corpora.py``."""

from __future__ import annotations

from transforms.extract import extract_article
from transforms.listing_urls import listing_template
from transforms.record import Article, Verdict
from transforms.verdict import WEAK_EVIDENCE, MetaEvidence, WeakEvidence, article_evidence

TOPIC = "https://tv.example.com/topic/Car%20Rental"
APT = '<meta property="article:published_time" content="2025-12-18T02:27:52Z">'
OG = '<meta property="og:type" content="article">'
LD = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Car rental"}'
      '</script>')


def _summary(i: int) -> str:
    """A teaser's summary of 40-odd words: every card is a long paragraph, so the rules that
    need "no long paragraph" or "at most three" do not hold."""
    return (f"The council of district {i} met on Tuesday to discuss the water plan for the "
            f"summer, agreed on a budget of {i} million for the new pipes, heard the farmers who "
            "asked for more, and left the vote on the reservoir to the next session after a "
            "long debate.")


def _page(head: str, cards: int = 8) -> bytes:
    """A topic page: a name for a title, then cards of a link and a long summary each."""
    items = "".join(
        f"<div class='teaser'><a href='/news/2025/12/{i:02d}/story'>Story {i}</a> "
        f"<p>{_summary(i)}</p></div>" for i in range(cards))
    return (f"<!DOCTYPE html><html lang='en'><head><title>Car Rental</title>{head}</head>"
            f"<body><h1>Car Rental</h1><section>{items}</section></body></html>").encode()


def _extract(body: bytes, url: str = TOPIC) -> Article:
    return extract_article(body, url, outlet="test")


def test_meta_evidence_on_a_listing_template_url_is_weak() -> None:
    template = listing_template(TOPIC)
    assert template == "/topic/ URL"
    apt = article_evidence(TOPIC, {"article:published_time": "2025-12-18"}, (),
                           listing_template=template)
    assert isinstance(apt, WeakEvidence)
    assert apt == "article:published_time meta on a /topic/ URL"
    og = article_evidence(TOPIC, {"og:type": "article"}, (), listing_template=template)
    assert isinstance(og, WeakEvidence) and og == "og:type article on a /topic/ URL"
    # Elsewhere article:published_time stays strong, og:type article alone stays weak.
    story = "https://tv.example.com/news/2025/12/18/car-rental-prices-rise"
    assert listing_template(story) is None
    strong = article_evidence(story, {"article:published_time": "2025-12-18"}, ())
    assert strong == "article:published_time meta" and not isinstance(strong, WeakEvidence)
    assert isinstance(article_evidence(story, {"og:type": "article"}, ()), WeakEvidence)
    assert article_evidence(story, {"og:type": "article"}, ()) == WEAK_EVIDENCE


def test_home_page_does_not_weaken_meta_evidence() -> None:
    # An agency's front page carrying article:published_time is annotated as an article (WCXB).
    assert listing_template("https://agency.example.com/") is None
    found = article_evidence("https://agency.example.com/",
                             {"article:published_time": "2025-12-18"}, (),
                             listing_template=listing_template("https://agency.example.com/"))
    assert not isinstance(found, WeakEvidence)


def test_strong_evidence_is_never_weakened_by_the_url() -> None:
    template = listing_template(TOPIC)
    ld = article_evidence(TOPIC, {"og:type": "article"}, ["newsarticle"],
                          listing_template=template)
    assert ld == "JSON-LD newsarticle" and not isinstance(ld, WeakEvidence)
    # The outlet's own article pattern: the registry's word, whatever else the page says.
    meta = {"article:published_time": "2025-12-18", "og:type": "article"}
    ours = article_evidence(TOPIC, meta, (), article_patterns=[r"/topic/"],
                            listing_template=template)
    assert ours == "article:published_time meta" and not isinstance(ours, WeakEvidence)
    ours = article_evidence(TOPIC, {"og:type": "article"}, (), article_patterns=[r"/topic/"],
                            listing_template=template)
    assert ours == "URL matches the outlet's article pattern"


def test_topic_page_with_meta_evidence_is_a_listing() -> None:
    # Eight teasers with long summaries: no rule needing short paragraphs holds, but repeated
    # link cards hold nearly all the text of a /topic/ page, a shape that overrules the
    # article:published_time every page of the CMS carries.
    article = _extract(_page(APT))
    assert article.verdict is Verdict.LISTING, article.reason
    assert article.reason is not None
    assert article.reason.startswith("/topic/ URL, repeated link cards hold ")
    assert article.reason.endswith("(overrules article:published_time meta on a /topic/ URL "
                                   "alone)")
    assert article.text == ""
    og = _extract(_page(OG))
    assert og.verdict is Verdict.LISTING, og.reason
    assert (og.reason or "").endswith("(overrules og:type article on a /topic/ URL alone)")


def test_topic_page_rule_needs_the_template_and_the_cards() -> None:
    # The same page under an article's URL: stored, no listing rule holds.
    story = _extract(_page(APT), url="https://tv.example.com/news/2025/12/18/car-rental-prices")
    assert story.verdict is Verdict.ARTICLE, story.reason
    # Under the topic URL with too few cards to be a group: stored.
    few = _extract(_page(APT, cards=3))
    assert few.verdict is Verdict.ARTICLE, few.reason


def test_topic_page_with_json_ld_article_is_stored_with_a_flag() -> None:
    article = _extract(_page(LD))
    assert article.verdict is Verdict.ARTICLE
    assert (article.reason or "").startswith("flagged listing: /topic/ URL, repeated link cards")
    assert (article.reason or "").endswith("(stored: JSON-LD newsarticle)")
    assert article.text


def test_topic_page_without_evidence_is_a_listing() -> None:
    article = _extract(_page(""))
    assert article.verdict is Verdict.LISTING, article.reason
    assert (article.reason or "").startswith("/topic/ URL, repeated link cards hold ")


def test_page_mostly_of_links_is_a_listing() -> None:
    # 87 % of the text in links under a long slug (no other listing rule reads such a URL):
    # a category of a maker's shop whose grid is a list of product names.
    links = "".join(f"<li><a href='/en-US/p/{700 + i}'>Fitness tracker model {i} with heart "
                    f"rate and sleep tracking</a></li>" for i in range(10))
    intro = "Track your steps, sleep and heart rate every day."
    page = (f"<!DOCTYPE html><html lang='en'><head><title>Smartwatches with Fitness and Health "
            f"Tracking</title></head><body><h1>Smartwatches with Fitness and Health Tracking"
            f"</h1><p>{intro}</p><ul>{links}</ul></body></html>").encode()
    article = _extract(page, url="https://shop.example.com/c/sports/fitness-and-health-"
                                 "tracking-watches/")
    assert article.verdict is Verdict.LISTING, article.reason
    assert (article.reason or "").endswith("% of the text in links"), article.reason


def test_meta_evidence_is_named_apart_from_json_ld_and_the_registry() -> None:
    """``MetaEvidence`` (what a page of links overrules) is meta tags alone: never a JSON-LD
    Article, never the outlet's article pattern, even when the page also has the tags."""
    story = "https://news.example.com/2025/12/18/council-water-plan"
    apt = article_evidence(story, {"article:published_time": "2025-12-18"}, ())
    assert isinstance(apt, MetaEvidence) and not isinstance(apt, WeakEvidence)
    assert isinstance(article_evidence(story, {"og:type": "article"}, ()), MetaEvidence)
    ld = article_evidence(story, {"article:published_time": "2025-12-18"}, ["newsarticle"])
    assert ld == "JSON-LD newsarticle" and not isinstance(ld, MetaEvidence)
    ours = article_evidence(story, {"article:published_time": "2025-12-18"}, (),
                            article_patterns=[r"/\d{4}/\d\d/\d\d/"])
    assert ours == "article:published_time meta" and not isinstance(ours, MetaEvidence)
