"""Page types (issue 13): listing and catalogue pages kept out, articles kept, on small
synthetic pages, one per rule of ``transforms/catalogue.py`` and of the listing rules' changes
(``listing.listing_reason``: a page of links, a shape behind a weaker rule, the teaser count
against headlines, teasers on subdomains). The corpus-level figures are in
``bench/corpora.py`` and ``tests/bench/test_corpora_page_types.py``."""

from __future__ import annotations

from transforms.boilerplate import parse_page
from transforms.catalogue import catalogue_reason
from transforms.extract import extract_article
from transforms.listing import link_share
from transforms.listing_urls import slug_words
from transforms.record import Article, Verdict

# Short prose (19 words a paragraph), none of it 40 words long.
LINES = [
    f"Line {i}: the council met on Tuesday to discuss the water plan for the summer and "
    f"agreed on a budget {i}."
    for i in range(1, 9)
]
SHOP = "https://shop.example.com/departments/tools/power-tools"


def _html(body: str, title: str = "Power Tools", head: str = "") -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{head}</head>"
            f"<body>{body}</body></html>").encode()


def _extract(body: bytes, url: str = SHOP) -> Article:
    return extract_article(body, url, outlet="test")


def _guide(prices: int, name: str = "Power Tools") -> str:
    """A shop category's SEO text, its grid drawn by JavaScript: prices in the text, no card."""
    offers = " ".join(f"Model {i} costs $ {90 + i}.00 this week." for i in range(prices))
    return (f"<h1>{name}</h1><p>{LINES[0]} {LINES[1]} {LINES[2]}</p><p>{offers}</p>"
            f"<p>{LINES[3]} {LINES[4]} {LINES[5]}</p><div id='grid'></div>")


def test_catalogue_page_with_prices_is_a_listing() -> None:
    article = _extract(_html(_guide(6)))
    assert article.verdict is Verdict.LISTING, article.reason
    assert article.reason == "catalogue page: a 2-word title, no date, 6 prices"
    assert article.text == ""


def test_catalogue_rule_needs_every_piece_of_evidence() -> None:
    # Fewer prices than MIN_PRICES, a headline for a title, a date, an article's slug: stored.
    assert _extract(_html(_guide(4))).verdict is Verdict.ARTICLE
    headline = "Power tool prices rise again as makers pass on costs"
    assert _extract(_html(_guide(6, headline), headline)).verdict is Verdict.ARTICLE
    dated = '<meta name="date" content="2024-05-02">'
    assert _extract(_html(_guide(6), head=dated)).verdict is Verdict.ARTICLE
    slug = "https://shop.example.com/2024/05/power-tool-prices-rise-again"
    assert _extract(_html(_guide(6)), url=slug).verdict is Verdict.ARTICLE


def test_catalogue_rule_never_overrules_article_evidence() -> None:
    # A heuristic: a page whose metadata says article is never judged by it.
    head = '<meta property="og:type" content="article">'
    article = _extract(_html(_guide(6), head=head))
    assert article.verdict is Verdict.ARTICLE, article.reason
    assert "catalogue" not in (article.reason or "")


def test_catalogue_page_of_links_is_a_listing() -> None:
    # A course catalogue: a name for a title, most of its text in links, no grid of alike cards.
    links = " ".join(f"<a href='/courses/course-{i}'>Course number {i} in data science</a>,"
                     for i in range(12))
    page = _html(f"<h1>Data Science</h1><p>{LINES[0]} {LINES[1]}</p><p>Our courses: {links}</p>"
                 f"<p>{LINES[2]} {LINES[3]}</p>", title="Data Science")
    article = _extract(page, url="https://school.example.edu/subject/data-science")
    assert article.verdict is Verdict.LISTING, article.reason
    assert (article.reason or "").startswith("catalogue page: a 2-word title, no date, ")
    assert "of the text in links" in (article.reason or "")


def test_catalogue_reason_reads_the_cleaned_tree() -> None:
    root = parse_page("<html><body><p>Read <a href='/a'>this</a> and that.</p></body></html>")
    assert root is not None
    body = root.find("body")
    assert body is not None
    assert round(link_share(body), 2) == round(len("this") / len("Read this and that."), 2)
    assert catalogue_reason(root, SHOP, None, False) is None  # no title, no decision
    assert slug_words(SHOP) == 2


def _explainer(title: str) -> bytes:
    """An explainer written in short paragraphs (none of 40 words) beside a list of links to
    the site's other explainers: the teaser count alone would call it a listing."""
    links = "".join(f"<li><a href='/knowledge/guides/guide-number-{i}-explained'>Guide {i}</a>"
                    f"</li>" for i in range(6))
    story = "".join(f"<p>{line}</p>" for line in LINES)
    return _html(f"<article><h1>{title}</h1>{story}</article><ul>{links}</ul>", title=title)


def test_teaser_count_does_not_decide_a_headline_with_little_in_links() -> None:
    url = "https://learn.example.com/knowledge/guides/item12708"
    article = _extract(_explainer("What is an online course and who is it for"), url)
    assert article.verdict is Verdict.ARTICLE, article.reason
    # A name for a title: the teaser count still decides.
    article = _extract(_explainer("Guides"), url)
    assert article.verdict is Verdict.LISTING, article.reason
    assert "article links, no paragraph" in (article.reason or "")


def test_shape_behind_a_weaker_rule_overrules_og_type_article_alone() -> None:
    # A course catalogue whose theme prints og:type article: the teaser count holds first (no
    # shape), but eight linked card titles hold all its prose (a shape).
    cards = "".join(
        f"<div class='card'><h3><a href='/course/data-course-number-{i}'>Course {i}</a></h3>"
        f"<p>{LINES[i % 8]}</p></div>" for i in range(8))
    head = '<meta property="og:type" content="article">'
    article = _extract(_html(f"<h1>Data Science Courses</h1>{cards}", "Data Science Courses",
                             head), url="https://school.example.edu/subject/data-science")
    assert article.verdict is Verdict.LISTING, article.reason
    assert (article.reason or "").startswith("8 linked card titles holding")
    assert (article.reason or "").endswith("(overrules og:type article alone)")


def test_page_of_links_is_a_listing_whatever_its_slug() -> None:
    # A job board's category under a five-word slug: nearly all its text is link text.
    jobs = "".join(f"<div class='job-{i % 3}'><a href='/remote-jobs/company-{i}-senior-engineer'>"
                   f"Company {i}: senior full stack engineer, remote, anywhere in the world</a>"
                   f"</div>" for i in range(20))
    page = _html(f"<h2>Remote jobs</h2>{jobs}", title="Remote Full Stack Programming Jobs")
    article = _extract(page, url="https://jobs.example.com/categories/remote-full-stack-"
                                 "programming-jobs")
    assert article.verdict is Verdict.LISTING, article.reason
    assert (article.reason or "").endswith("% of the text in links")


def test_teasers_on_subdomains_are_the_site_s_own() -> None:
    # A news front whose stories live on section subdomains, each teaser with a long summary.
    items = "".join(
        f"<div class='item'><a href='//{section}.news.example.org/story/26/03/08/0{i}5225/"
        f"story-number-{i}-in-the-news'>Story {i}</a><p>{LINES[i % 8]} {LINES[(i + 1) % 8]}</p>"
        f"</div>" for i, section in enumerate(["tech", "science", "politics"] * 8))
    article = _extract(_html(items, title="News for nerds"), url="https://news.example.org/")
    assert article.verdict is Verdict.LISTING, article.reason
    assert article.reason == "home page URL with 24 article links", article.reason
