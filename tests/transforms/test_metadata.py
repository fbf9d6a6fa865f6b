"""Metadata on real-world shapes: escaped JSON-LD, site names, bylines, author lists, headlines,
visible dates; and the exact-match rules the corpus benchmark scores them with.

Pages are synthetic, written the way the markup was found on WCXB's dev pages and news themes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import lxml.html
import pytest

from bench.metadata_match import (
    MetadataScore,
    author_matches,
    date_matches,
    name_set,
    normalise,
    title_matches,
)
from transforms import dates as dates_
from transforms import metadata as meta_
from transforms.authors import split_authors
from transforms.extract import extract_article
from transforms.record import Verdict

PROSE = "".join(
    f"<p>Paragraph {i}: the committee met on Tuesday to review the budget, the new hospital "
    "wing and the road works that residents have asked about since the spring floods, and it "
    "agreed to publish its findings before the end of the month.</p>"
    for i in range(4)
)


def _article(head: str = "", header: str = "", url: str = "https://www.example-news.com/a-1/"):
    html = (f"<html lang='en'><head>{head}</head><body><article>{header}{PROSE}</article>"
            "</body></html>")
    return extract_article(html.encode(), url, outlet="x")


def _ld(obj: str) -> str:
    return f'<script type="application/ld+json">{obj}</script>'


# --- JSON-LD and metas are HTML-unescaped ---------------------------------------------------


def test_json_ld_strings_are_unescaped() -> None:
    article = _article(_ld(
        '{"@type": "NewsArticle", "headline": "Sch&ouml;ne Gr&uuml;&szlig;e &#8211; ein Test",'
        ' "author": {"@type": "Person", "name": "Maria &amp; Katerina"},'
        ' "description": "Caf&eacute; &amp; Bar"}'))
    assert article.title == "Schöne Grüße – ein Test"
    assert article.authors == ["Maria & Katerina"]


def test_twice_escaped_meta_is_unescaped() -> None:
    article = _article('<meta property="og:title" content="Tools &amp;#x26; Tips &amp;#8211; '
                       'A Guide">')
    assert article.title == "Tools & Tips – A Guide"


# --- title ----------------------------------------------------------------------------------


def test_visible_headline_beats_a_reworded_seo_title() -> None:
    head = ('<meta property="og:title" content="Health And Nutrition Trends For 2026 - Tastewise">'
            '<meta property="og:site_name" content="Tastewise">')
    header = ('<header><h1 class="logo">Tastewise</h1></header>'
              "<h1>Top 10 Health and Nutrition Trends to Watch</h1>")
    assert _article(head, header).title == "Top 10 Health and Nutrition Trends to Watch"


def test_logo_h1_loses_to_the_structured_title() -> None:
    head = '<meta property="og:title" content="Reflections on Building a UI Pipeline">'
    assert _article(head, "<h1>Playful Tones</h1>").title == "Reflections on Building a UI Pipeline"


def test_site_name_comes_off_by_domain() -> None:
    head = "<title>Critics’ Choice: Best UK Art Exhibitions 2025 – Artlyst</title>"
    article = _article(head, url="https://artlyst.com/features/critics-choice/")
    assert article.title == "Critics’ Choice: Best UK Art Exhibitions 2025"


# --- authors --------------------------------------------------------------------------------


@pytest.mark.parametrize(("byline", "names"), [
    ("Manoj Jain and Jagpreet Chhatwal", ["Manoj Jain", "Jagpreet Chhatwal"]),
    ("Von Anna Schmidt und Peter Müller", ["Anna Schmidt", "Peter Müller"]),
    ("Par Samir Alaoui et Leila Bennani", ["Samir Alaoui", "Leila Bennani"]),
    ("Por Ana López y Juan Pérez", ["Ana López", "Juan Pérez"]),
    ("بقلم محمد أمين و سعاد الحسني", ["محمد أمين", "سعاد الحسني"]),
    ("Ana Sousa e Rui Costa", ["Ana Sousa", "Rui Costa"]),
    # Organisations and single words stay whole.
    ("Johnson & Johnson", ["Johnson & Johnson"]),
    ("Center for Drug Evaluation and Research", ["Center for Drug Evaluation and Research"]),
    ("José Ortega y Gasset", ["José Ortega y Gasset"]),
    ("Maria & Katerina", ["Maria & Katerina"]),
    ("Rédaction et Agences", ["Rédaction et Agences"]),
    # Credentials stay with their name; commas separate people.
    ("Dylan Bailey, MS, RD, FAND", ["Dylan Bailey, MS, RD, FAND"]),
    ("Shelby Loos, DVM Reviewed by Molly Price", ["Shelby Loos, DVM"]),
    ("Thomas Broderick, Nalea Ko, and Anna Bell", ["Thomas Broderick", "Nalea Ko", "Anna Bell"]),
])
def test_author_lists(byline: str, names: list[str]) -> None:
    assert split_authors(byline) == names


@pytest.mark.parametrize(("byline", "names"), [
    ("Author: Isaiah Shelton", ["Isaiah Shelton"]),
    ("Written By", []),
    ("admin", []),
    ("undefined", []),
    ("page.head.extra.author", []),
    ("https://em360tech.com/user/megan-leanda-berry", []),
    ("Haley Hoekstra • March 3, 2025", ["Haley Hoekstra"]),
    ("Craig McCarthy Last updated", ["Craig McCarthy"]),
    ("Luke Kim December", ["Luke Kim"]),
    ("Tom May", ["Tom May"]),
    ("April Fulton", ["April Fulton"]),
    ("Harry Rabinowitz Tech Reporter", ["Harry Rabinowitz"]),
    ("Harry Rabinowitz | Tech Reporter", ["Harry Rabinowitz"]),
    ("Podium Staff", ["Podium Staff"]),
])
def test_byline_cleaning(byline: str, names: list[str]) -> None:
    assert split_authors(byline) == names


SITE = ('<meta property="og:site_name" content="USA TODAY">'
        '<meta name="author" content="USA TODAY">')


def test_site_name_author_gives_way_to_the_visible_byline() -> None:
    header = ('<h1>Story</h1><div class="gnt_ar_by"><a class="author-name" '
              'href="/staff/1/brian-truitt/">Brian Truitt</a></div>')
    article = _article(SITE, header, url="https://www.usatoday.com/story/1/")
    assert article.authors == ["Brian Truitt"]


def test_site_name_author_stands_without_another_byline() -> None:
    # Company blogs and personal sites sign with their own name (see transforms/authors.py).
    article = _article(SITE, "<h1>Story</h1>", url="https://www.usatoday.com/story/1/")
    assert article.authors == ["USA TODAY"]


def test_unmarked_by_line_and_first_byline_group() -> None:
    header = ('<h1>Story</h1><div class="flex"><p class="font-semibold">By Preetam Jinka</p></div>'
              '<div class="flex"><span>By</span> <a href="/p/2">Someone Else</a></div>')
    assert _article("", header).authors == ["Preetam Jinka"]
    related = ('<h1>Story</h1><div class="meta"><span class="author-name">Lisa Pham</span></div>'
               '<div class="meta"><span class="author-name">Christine Hodge</span></div>')
    assert _article("", related).authors == ["Lisa Pham"]


def test_byline_in_the_articles_own_footer_counts() -> None:
    header = ('<h1>Story</h1><footer class="entry-footer"><span class="entry-author">'
              '<a class="entry-author-link" rel="author" href="/author/kiersten/">Kiersten Hickman'
              "</a></span></footer>")
    assert _article("", header).authors == ["Kiersten Hickman"]


# --- dates ----------------------------------------------------------------------------------


def test_visible_date_when_no_machine_readable_one() -> None:
    # The byline box holding the date is furniture: trafilatura's own pass, on the cleaned tree,
    # would not see it.
    header = ('<h1>Story</h1><div class="author-info"><span class="date">Posted on December 18, '
              "2025</span></div>")
    article = _article("<title>Story</title>", header)
    assert article.verdict is Verdict.ARTICLE
    assert article.published_at is not None and article.published_at.date() == date(2025, 12, 18)


def test_structured_date_wins_over_the_visible_one() -> None:
    # With Open Graph behind it (test_dates_fallbacks: a JSON-LD date alone gives way).
    head = _ld('{"@type": "NewsArticle", "datePublished": "2025-01-29T20:47:55+00:00"}') + (
        '<meta property="article:published_time" content="2025-01-29T20:47:55+00:00">')
    header = '<h1>Story</h1><p class="updated">Last updated: August 19, 2025</p>'
    article = _article(head, header)
    assert article.published_at == datetime(2025, 1, 29, 20, 47, 55, tzinfo=UTC)


def test_published_label_under_the_headline_beats_the_markup() -> None:
    # uschamber.com: the JSON-LD says the last save; the page says when it was published.
    head = _ld('{"@type": "Article", "datePublished": "2025-11-29T12:28:31-05:00"}')
    header = '<h1>Story</h1><div class="meta"><span>Published August 13, 2025</span></div>'
    assert _article(head, header).published_at.date() == date(2025, 8, 13)


def test_unlabelled_header_date_overrides_a_disagreeing_markup_date() -> None:
    head = _ld('{"@type": "Article", "datePublished": "2021-08-12T19:35:44+00:00"}')
    header = '<h1>Story</h1><div class="byline">Jane Doe <span>February 22, 2025</span></div>'
    assert _article(head, header).published_at.date() == date(2025, 2, 22)


def test_header_date_a_day_off_is_the_markup_date_in_another_zone() -> None:
    # The header prints the site's local day, the markup UTC: the markup's instant stands.
    head = _ld('{"@type": "Article", "datePublished": "2025-12-02T23:00:55+00:00"}')
    header = '<h1>Story</h1><p class="meta">Posted December 3, 2025</p>'
    assert _article(head, header).published_at == datetime(2025, 12, 2, 23, 0, 55, tzinfo=UTC)


def test_url_day_settles_a_utc_markup_date() -> None:
    head = _ld('{"@type": "BlogPosting", "datePublished": "2025-12-19T02:41:41+00:00"}')
    article = _article(head, "<h1>Story</h1>",
                       url="https://blog.example.com/2025/12/18/the-comfort-watches/")
    assert article.published_at.date() == date(2025, 12, 18)


def test_header_date_when_the_page_has_no_markup_date() -> None:
    # In unclassed markup, as site builders print it: htmldate's fast mode finds nothing here.
    header = ('<div class="x1"><a href="/blog">Back to all articles</a></div>'
              '<div class="x2">February 4, 2025</div><h1>Story</h1>')
    assert _article("", header).published_at.date() == date(2025, 2, 4)
    after = '<h1>Story</h1><div class="x3">Ai2 <span>·</span> December 15, 2025</div>'
    assert _article("", after).published_at.date() == date(2025, 12, 15)


def test_numeric_header_dates_follow_the_page_locale() -> None:
    def shown(lang: str, text: str) -> list[date]:
        root = lxml.html.document_fromstring(
            f"<html lang='{lang}'><body><h1>Story</h1><p>{text}</p></body></html>")
        found = dates_.shown_dates(root, "Story", dates_.month_first(lang))
        return [s.days[0] for s in found]

    assert shown("en-US", "03/04/2025") == [date(2025, 3, 4)]
    assert shown("en-GB", "03/04/2025") == [date(2025, 4, 3)]
    assert shown("fr", "03/04/2025") == [date(2025, 4, 3)]
    assert shown("en-US", "24/2/2026") == [date(2026, 2, 24)]  # a part above 12 decides
    assert shown("en-US", "17.05.2021") == [date(2021, 5, 17)]  # dots: day first
    assert shown("de", "Veröffentlicht am 4. März 2024") == [date(2024, 3, 4)]
    assert shown("en", "Dec 17, 20256 min read") == []  # a glued reading time is no year


def test_shown_dates_carry_their_labels() -> None:
    root = lxml.html.document_fromstring(
        "<html><body><h1>Story</h1><p>Published on April 26, 2024 · Updated on: October 28, "
        "2024</p><nav>March 3, 2024</nav></body></html>")
    found = dates_.shown_dates(root, "Story", True)
    assert [(s.days[0], s.label) for s in found] == [
        (date(2024, 4, 26), "published"), (date(2024, 10, 28), "updated")]


def test_copyright_year_is_not_a_date() -> None:
    root = lxml.html.document_fromstring(
        "<html><body><article><h1>T</h1><p>Text.</p></article>"
        "<footer>© 2023 Example Inc.</footer></body></html>")
    assert meta_.visible_date(root) is None


# --- bench.metadata_match -------------------------------------------------------------------


def test_exact_match_rules() -> None:
    assert normalise("  Critics’ Choice —  Best ") == "critics' choice - best"
    assert title_matches("What's New?", "what’s new")
    assert not title_matches("What's New | Site", "What's New")
    assert not title_matches(None, "T") and not title_matches("", "")
    # Authors: the joined list equals the string, or the name sets are equal.
    assert author_matches(["Dylan Bailey, MS, RD, FAND"], "Dylan Bailey, MS, RD, FAND")
    assert author_matches(["Natalie Nguyen", "Danielle DeSiato", "Donna Enzmann"],
                          "Danielle DeSiato, Donna Enzmann, and Natalie Nguyen")
    assert author_matches("Maria; Katerina", "Maria & Katerina")  # bare trafilatura's "A; B"
    assert author_matches(["Maria", "Katerina"], "Maria & Katerina")
    assert not author_matches(["Dylan Bailey"], "Dylan Bailey, MS, RD, FAND")
    assert not author_matches([], None)
    assert name_set("A and B; C") == frozenset({"a", "b", "c"})
    # Dates: the day as the page wrote it.
    late = datetime(2025, 12, 18, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert date_matches(late, "2025-12-18") and not date_matches(late, "2025-12-19")
    assert date_matches("2025-12-18T10:00:00Z", "2025-12-18")
    assert not date_matches(None, "2025-12-18") and not date_matches("2025-12", "2025-12-01")


def test_score_excludes_pages_without_truth_and_counts_what_was_given_there() -> None:
    score = MetadataScore.empty()
    score.add(("T", ["A B"], "2025-01-02"), ("T", "A B", "2025-01-02"))
    score.add(("T2", ["Site"], "2025-01-03"), ("Other", None, None))
    assert (score.title.exact, score.title.with_truth) == (1, 2)
    assert (score.author.exact, score.author.with_truth, score.author.spurious) == (1, 1, 1)
    assert (score.date.score, score.date.spurious, score.date.without_truth) == (1.0, 1, 1)
