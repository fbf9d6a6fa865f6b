"""Publication dates where the markup and the header say little: a header that shows only an
"Updated" day, a byline further down the text, a JSON-LD WebPage's date (issue 13).

Pages are synthetic, written the way the markup was found on WCXB's dev articles.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import lxml.html

from transforms import dates as dates_
from transforms import metadata as meta_
from transforms.extract import extract_article
from transforms.page_metadata import settle_published, settle_published_rule

PROSE = "".join(
    f"<p>Paragraph {i}: the committee met on Tuesday to review the budget, the new hospital "
    "wing and the road works that residents have asked about since the spring floods, and it "
    "agreed to publish its findings before the end of the month.</p>"
    for i in range(4)
)
UPDATED_HEADER = '<h1>Story</h1><p class="meta">By Ann Lee · Updated December 9, 2025</p>'
LD_PUBLISHED = ('<script type="application/ld+json">{"@type": "NewsArticle", '
                '"datePublished": "2025-08-22T16:28:40+00:00"}</script>')


def _article(head: str = "", header: str = "", after: str = ""):
    html = (f"<html lang='en'><head>{head}</head><body><article>{header}{PROSE}{after}"
            "</article></body></html>")
    return extract_article(html.encode(), "https://www.example-news.com/a-1/", outlet="x")


def _day(article) -> date | None:
    return article.published_at.date() if article.published_at else None


# --- a header that shows only an "Updated" day ----------------------------------------------


def test_updated_day_shown_alone_beats_a_json_ld_only_date() -> None:
    # The reader sees only "Updated December 9, 2025"; the publication date is in JSON-LD alone.
    assert _day(_article(LD_PUBLISHED, UPDATED_HEADER)) == date(2025, 12, 9)


def test_open_graph_publication_date_stands_against_an_updated_day() -> None:
    head = '<meta property="article:published_time" content="2025-08-22T16:28:40+00:00">'
    assert _article(head, UPDATED_HEADER).published_at == datetime(2025, 8, 22, 16, 28, 40,
                                                                   tzinfo=UTC)
    assert _day(_article(head + LD_PUBLISHED, UPDATED_HEADER)) == date(2025, 8, 22)


def test_updated_day_before_the_declared_date_is_not_taken() -> None:
    header = '<h1>Story</h1><p class="meta">Updated June 16, 2025</p>'
    assert _day(_article(LD_PUBLISHED, header)) == date(2025, 8, 22)


def test_a_shown_publication_day_still_wins_over_an_updated_one() -> None:
    header = ('<h1>Story</h1><p class="meta">Published August 22, 2025 · Updated December 9, '
              '2025</p>')
    assert _day(_article(LD_PUBLISHED, header)) == date(2025, 8, 22)


def test_choose_names_its_rule() -> None:
    declared = datetime(2025, 8, 22, 16, 28, tzinfo=UTC)
    updated = dates_.Shown((date(2025, 12, 9),), "updated", 40)
    assert dates_.choose(declared, [updated]) == (date(2025, 12, 9), "shown-updated")
    assert dates_.choose(declared, [updated], open_graph=True) == (declared, "declared")
    assert dates_.choose(None, []) == (None, "none")


# --- a labelled day further down the page ---------------------------------------------------


def test_byline_below_the_first_paragraphs_dates_a_page_without_markup() -> None:
    # Unclassed, as site builders print it: htmldate's fast mode finds nothing here.
    after = '<div><span>Posted on Nov 21, 2018</span> · <span>Updated at Dec 10, 2025</span></div>'
    assert _day(_article("", "<h1>Story</h1>", after)) == date(2018, 11, 21)


def test_last_updated_line_at_the_foot_of_the_text() -> None:
    after = '<p style="text-align:right">Last updated: November 13, 2025</p>'
    assert _day(_article("", "<h1>Story</h1>", after)) == date(2025, 11, 13)


def test_unlabelled_day_in_the_text_dates_nothing() -> None:
    after = "<p>The council first met on March 3, 2019 to discuss the plan.</p>"
    assert _article("", "<h1>Story</h1>", after).published_at is None


def test_labelled_date_skips_footers_and_scripts() -> None:
    root = lxml.html.document_fromstring(
        "<html><body><h1>Story</h1><p>Text.</p><script>var s = 'Published: May 1, 2020';"
        "</script><footer>Last updated: January 2, 2024</footer></body></html>")
    assert dates_.labelled_date(root, True) is None
    root = lxml.html.document_fromstring(
        "<html><body><p>Updated: January 2, 2024</p><p>Posted on 5 March 2020</p></body></html>")
    found = dates_.labelled_date(root, False)  # published labels first
    assert found is not None and (found.days, found.label) == ((date(2020, 3, 5),), "published")


def test_a_last_modified_label_comes_after_htmldate() -> None:
    # A forum thread: htmldate reads the first post's date; "last modified" is the edit's.
    after = "<p>(This post was last modified: 2024-01-05, 03:27 AM by Sam.)</p>"
    html = (f"<html lang='en'><body><h1>Story</h1>{PROSE}<div><span class='post_date'>"
            f"2019-02-23, 09:14 PM</span></div>{after}</body></html>")
    article = extract_article(html.encode(), "https://forum.example.org/thread-1.html",
                              outlet="x")
    assert _day(article) == date(2019, 2, 23)


# --- a JSON-LD WebPage's datePublished ------------------------------------------------------

WEBPAGE = ('<script type="application/ld+json">{"@graph": [{"@type": "WebPage", '
           '"datePublished": "2024-03-17T19:47:39+00:00", '
           '"dateModified": "2024-05-03T10:57:58+00:00"}]}</script>'
           '<meta property="article:modified_time" content="2024-05-03T10:57:58+00:00">')


def test_webpage_date_published_dates_a_page_without_an_article_node() -> None:
    # htmldate reads the article:modified_time meta here: the modification day.
    assert _day(_article(WEBPAGE, "<h1>Story</h1>")) == date(2024, 3, 17)


def test_a_later_updated_day_further_down_beats_the_webpage_date() -> None:
    # As a header's "Updated" day beats a JSON-LD-only date.
    after = "<p>By Ann Lee · Updated on April 19, 2025</p>"
    assert _day(_article(WEBPAGE, "<h1>Story</h1>", after)) == date(2025, 4, 19)
    after = "<p>By Ann Lee · Updated on April 19, 2023</p>"  # before it: the WebPage's stands
    assert _day(_article(WEBPAGE, "<h1>Story</h1>", after)) == date(2024, 3, 17)


def test_an_article_node_and_the_header_come_before_the_webpage_node() -> None:
    assert _day(_article(WEBPAGE + LD_PUBLISHED, "<h1>Story</h1>")) == date(2025, 8, 22)
    header = '<h1>Story</h1><p class="meta">April 19, 2025</p>'
    assert _day(_article(WEBPAGE, header)) == date(2025, 4, 19)


def test_page_published_reads_only_webpage_nodes() -> None:
    objects = [{"@type": "Organization", "datePublished": "2020-01-02"},
               {"@type": ["WebPage", "ItemPage"], "datePublished": "2024-03-17"}]
    assert meta_.page_published(objects, "UTC") == datetime(2024, 3, 17, tzinfo=UTC)
    assert meta_.page_published(objects[:1], "UTC") is None


# --- a day in the URL with a month name -----------------------------------------------------


def test_url_day_with_a_month_name() -> None:
    assert dates_.url_day("https://www.theguardian.com/books/2025/dec/05/best-books") == date(
        2025, 12, 5)
    assert dates_.url_day("https://example.org/blog/2023/october/03/wine-types/") == date(
        2023, 10, 3)
    assert dates_.url_day("https://example.org/blog/2023/spring/03/x/") is None


def test_url_day_settles_an_ambiguous_numeric_header_date_without_markup() -> None:
    # "03/10/2023" on a page in plain "en" reads month first (March 10); the URL says October 3.
    html = ("<html lang='en'><body><article><h1>Story</h1><p>03/10/2023</p>" + PROSE
            + "</article></body></html>")
    url = "https://example.org/knowledge-centre/blog/2023/october/03/wine-types/"
    assert _day(extract_article(html.encode(), url, outlet="x")) == date(2023, 10, 3)
    shown = [dates_.Shown((date(2023, 3, 10), date(2023, 10, 3)), "", 20)]
    assert dates_.choose(None, shown, date(2023, 10, 3)) == (date(2023, 10, 3), "url")
    assert dates_.choose(None, shown, date(2024, 1, 1)) == (date(2023, 3, 10), "shown-first")


# --- <time pubdate> -------------------------------------------------------------------------


def test_time_pubdate_is_a_published_label() -> None:
    # The JSON-LD holds the last save; the page marks its publication day at the foot.
    head = ('<script type="application/ld+json">{"@type": "Article", '
            '"datePublished": "2025-11-29T12:28:31-05:00"}</script>')
    foot = '<p>Published <time pubdate datetime="2025-08-13">Aug 13</time></p>'
    assert _day(_article(head, "<h1>Story</h1>", foot)) == date(2025, 8, 13)
    # A declared date the page shows stands, whatever the pubdate says.
    header = '<h1>Story</h1><p class="meta">November 29, 2025</p>'
    assert _day(_article(head, header, foot)) == date(2025, 11, 29)


def test_settle_published_names_the_rule_that_chose_the_date() -> None:
    """The rule beside the date (``scripts/dates_report.py`` prints it), from the same code that
    chooses the date: a later "Updated" day over the WebPage date is that day's rule."""
    webpage = datetime(2024, 3, 17, tzinfo=UTC)
    later = dates_.Shown((date(2025, 4, 19),), "updated", 900)
    earlier = dates_.Shown((date(2023, 4, 19),), "updated", 900)
    posted = dates_.Shown((date(2022, 6, 1),), "published", 900)
    url = "https://news.example.com/story"

    def rule(**found: object) -> tuple[date | None, str]:
        chosen, name = settle_published_rule(None, dates_.Evidence([], **found), "", url, "UTC")
        return (chosen.date() if chosen else None), name

    assert rule(page_declared=webpage) == (date(2024, 3, 17), "webpage")
    assert rule(page_declared=webpage, labelled=later) == (date(2025, 4, 19), "labelled-updated")
    assert rule(page_declared=webpage, labelled=earlier) == (date(2024, 3, 17), "webpage")
    assert rule(labelled=posted) == (date(2022, 6, 1), "labelled")
    assert rule(labelled=earlier) == (date(2023, 4, 19), "labelled-updated")  # htmldate: nothing
    assert rule() == (None, "none")
    declared = datetime(2025, 8, 22, 16, 28, tzinfo=UTC)
    chosen, name = settle_published_rule(declared, dates_.Evidence([]), "", url, "UTC")
    assert (chosen, name) == (declared, "declared")
    # The date alone is the same call's.
    assert settle_published(None, dates_.Evidence([], labelled=posted), "", url, "UTC") \
        == datetime(2022, 6, 1, tzinfo=UTC)
