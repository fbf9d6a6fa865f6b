"""One small synthetic page per rule of issue 13 ("extraction that holds on the real web").

Each page reproduces, in a few lines, a cause class found on real pages (ScrapingHub, WCXB):
furniture rules deleting the article's container, trafilatura handed a tree it cannot read,
negative gates on thin evidence, words counted by spaces, "read also" lines left in the body.
The corpus-level checks are in ``tests/bench/test_corpora.py``.
"""

from __future__ import annotations

import random

import pytest

from transforms.boilerplate import parse_page, remove_boilerplate_nodes
from transforms.extract import extract_article
from transforms.listing_urls import listing_url
from transforms.readalso import remove_read_also
from transforms.record import ExtractionHints, Verdict
from transforms.verdict import not_html_reason, word_units

# Eight paragraphs of plain prose, ~150 words: enough for every gate.
STORY = [
    f"Paragraph {i}: the regional council met on Tuesday to discuss the water plan for the "
    f"coming summer, and its members agreed on a budget after a long debate about wells {i}."
    for i in range(1, 9)
]
WORDS = ["regional council", "water plan", "wells 8"]


def _html(body: str, head: str = "") -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><title>Water plan</title>{head}</head>"
            f"<body>{body}</body></html>").encode()


def _paragraphs(tag: str = "p") -> str:
    return "".join(f"<{tag}>{p}</{tag}>" for p in STORY)


def _assert_story(text: str) -> None:
    for paragraph in STORY:
        assert paragraph in text, paragraph[:20]


def _kept_by_rules(article: object) -> None:
    """The first pass kept the article: the floor (``test_floor_*``) was not needed."""
    assert "floor:" not in (article.reason or ""), article.reason


def _extract(body: bytes, url: str = "https://news.example.com/2024/05/water-plan-approved",
             **kwargs: object) -> object:
    return extract_article(body, url, outlet="test", **kwargs)


# --- furniture rules must not delete the article's container --------------------------------


@pytest.mark.parametrize("wrapper", [
    # The parser nests the rest of the page in an unclosed <aside> or <nav>.
    "<aside class='announcement'><a href='/x'>Announcement</a><div>{story}</div>",
    "<nav class='header__nav'><a href='/'>Home</a><div class='content'>{story}</div>",
    # A theme puts the article inside the banner landmark.
    "<header role='banner'><a href='/'>Logo</a><h1>Water plan</h1>{story}</header>",
    # Class tokens that name furniture somewhere inside a content token.
    "<div class='article-inner-content-breaking-news'>{story}</div>",
    # An unclosed <button> swallows the article as parsed (Dotdash Meredith pages).
    "<button class='menu'>Menu<div class='article'>{story}</div>",
], ids=["unclosed-aside", "unclosed-nav", "banner", "breaking-token", "unclosed-button"])
def test_furniture_container_holding_the_article_is_kept(wrapper: str) -> None:
    article = _extract(_html(wrapper.format(story=_paragraphs())))
    assert article.verdict is Verdict.ARTICLE, article.reason
    _assert_story(article.text)
    _kept_by_rules(article)


def test_prose_guard_counts_text_outside_paragraphs() -> None:
    # Blogger's post container is "div.widget.Blog" and its paragraphs are <br>-separated.
    body = ("<div class='widget Blog' id='Blog1'><div class='post-body'>"
            + "<br><br>".join(STORY) + "</div></div>"
            "<div class='widget PopularPosts'><a href='/p1'>Popular one</a></div>")
    article = _extract(_html(body))
    _assert_story(article.text)
    _kept_by_rules(article)
    assert "Popular one" not in article.text


def test_react_streamed_segments_are_not_hidden_furniture() -> None:
    # Next.js streams the article in hidden segments a script moves into place.
    segments = "".join(f'<div hidden id="S:{i}"><p>{p}</p></div>' for i, p in enumerate(STORY))
    body = f"<main><h1>Water plan</h1><template id='B:0'></template></main>{segments}" \
           "<div hidden class='modal'>Sign in to continue reading our premium offers</div>"
    article = _extract(_html(body))
    _assert_story(article.text)
    assert "Sign in" not in article.text


def test_page_builder_blocks_are_not_widgets() -> None:
    # Elementor names every block "elementor-widget"; the widget type after the namespace says
    # what it is (text editor: the article; share buttons: furniture).
    blocks = "".join(
        f"<div class='elementor-widget elementor-widget-text-editor'>"
        f"<div class='elementor-widget-container'><p>{p}</p></div></div>" for p in STORY)
    share = ("<div class='elementor-widget elementor-widget-share-buttons'>"
             "<div class='elementor-widget-container'><p>Share this on your favourite social "
             "network today</p></div></div>")
    article = _extract(_html(f"<div class='elementor'>{blocks}{share}</div>"))
    _assert_story(article.text)
    _kept_by_rules(article)
    assert "Share this" not in article.text


def test_hubspot_columns_are_not_widgets() -> None:
    columns = "".join(
        f"<div class='span12 widget-span widget-type-cell dnd-column'><p>{a}</p><p>{b}</p></div>"
        for a, b in zip(STORY[::2], STORY[1::2], strict=True))
    article = _extract(_html(columns))
    _assert_story(article.text)
    _kept_by_rules(article)


def test_product_cards_of_a_review_are_not_widgets() -> None:
    # A "best laptops" review: each product's review text sits in a "c-product-widget".
    cards = "".join(f"<div class='c-product-widget' id='laptop-{i}'><p>{p}</p></div>"
                    for i, p in enumerate(STORY))
    article = _extract(_html(f"<article><h1>Best laptops</h1>{cards}</article>"))
    _assert_story(article.text)
    _kept_by_rules(article)


def test_code_is_not_furniture() -> None:
    # Syntax highlighters class a code comment "hljs-comment": not a comment section.
    code = ("<pre><code><span class='hljs-comment'># initialise the repository first</span>\n"
            "git init</code></pre>")
    article = _extract(_html(f"<article>{_paragraphs()}{code}</article>"))
    assert "# initialise the repository first" in article.text


def test_layout_state_tokens_are_not_furniture() -> None:
    # "sidebar-enabled--false" says the block has no sidebar; the article is split over three.
    blocks = "".join(
        f"<div class='blog-article__main sidebar-enabled--false content'><p>{a}</p><p>{b}</p>"
        "</div>" for a, b in zip(STORY[::2], STORY[1::2], strict=True))
    article = _extract(_html(blocks))
    _assert_story(article.text)
    _kept_by_rules(article)


def test_token_naming_the_content_first_is_not_furniture() -> None:
    # A newsletter issue published as the page's article, in two rich-text blocks.
    half = len(STORY) // 2
    blocks = "".join(f"<div class='rich-text-newsletter-cms'>{''.join(f'<p>{p}</p>' for p in part)}"
                     "</div>" for part in (STORY[:half], STORY[half:]))
    article = _extract(_html(blocks + "<div class='newsletter-signup'><p>Join 800,000 "
                             "subscribers to get our emails every week.</p></div>"))
    _assert_story(article.text)
    _kept_by_rules(article)
    assert "Join 800,000" not in article.text


def test_line_break_inside_a_paragraph_keeps_words_apart() -> None:
    # <span><br></span> between two spans: rewriting the span as paragraphs glued the words.
    item = ("<ol><li><p><span>Compact Weight Bench</span><span><br></span><span>Brand "
            "Recommendation:</span><span> Echo Flat Bench</span></p></li></ol>")
    text = _extract(_html(f"<article>{_paragraphs()}{item}</article>")).text
    assert "BenchBrand" not in text
    assert "Bench" in text and "Brand Recommendation" in text


def test_guard_reports_what_it_removed() -> None:
    root = parse_page(_html(
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article>{_paragraphs()}</article>"
        "<div class='sidebar'><p>A sidebar paragraph of twelve words or so to weigh.</p></div>"
    ).decode())
    removal = remove_boilerplate_nodes(root)
    assert removal.elements == 2
    assert 0 < removal.prose_removed < removal.prose / 10
    assert "sidebar" not in " ".join(root.itertext())


# --- trafilatura gets clean input -----------------------------------------------------------


def test_control_character_does_not_empty_the_body() -> None:
    # A single U+0008 made trafilatura return nothing when handed our tree.
    body = _paragraphs().replace("Tuesday", "Tues\x08day", 1)
    article = _extract(_html(f"<article>{body}</article>"))
    assert article.verdict is Verdict.ARTICLE, article.reason
    assert "wells 8" in article.text


def test_binary_body_served_as_html_is_not_html() -> None:
    # The floor would hand trafilatura the decoded bytes: noise stored as an article.
    garbage = random.Random(7).randbytes(20_000)
    article = _extract(garbage, headers={"content-type": "text/html"})
    assert article.verdict is Verdict.NOT_HTML, article.reason
    utf16 = _html(_paragraphs()).decode().encode("utf-16")  # with its byte-order mark
    assert not_html_reason(utf16, "text/html") is None


def test_page_starting_with_a_script_is_html() -> None:
    body = b"\n<script>var x = 1;</script>\n<div><p>Text</p></div>"
    assert not_html_reason(body, "") is None
    assert not_html_reason(b"User-agent: *\nDisallow: /", "") is not None


# --- the floor ------------------------------------------------------------------------------


def _split_story() -> str:
    half = len(STORY) // 2
    return ("<div class='sidebar-widget'>" + "".join(f"<p>{p}</p>" for p in STORY[:half])
            + "</div><div class='sidebar-widget'>"
            + "".join(f"<p>{p}</p>" for p in STORY[half:]) + "</div>")


def test_floor_restores_what_the_rules_deleted() -> None:
    # The article is split over two elements that a rule takes for sidebar widgets, each under
    # half of the page's prose, so the prose guard keeps neither: trafilatura on the untouched
    # page gets the article, and the record says so.
    article = _extract(_html(_split_story() + "<p>Short note.</p>"))
    assert article.verdict is Verdict.ARTICLE, article.reason
    _assert_story(article.text)
    assert article.reason is not None and article.reason.startswith("floor:"), article.reason


def test_floor_keeps_strong_rules() -> None:
    # The second pass still applies the rules that never hit an article: a cookie table our
    # rules removed does not come back with the article.
    cookies = "".join(f"<p>Cookie number {i} is set by the consent plugin to remember you.</p>"
                      for i in range(8))
    article = _extract(_html(f"<div class='cookie-law-info'>{cookies}</div>{_split_story()}"))
    assert (article.reason or "").startswith("floor:"), article.reason
    _assert_story(article.text)
    assert "Cookie number" not in article.text


def _rows(first: str, second: str, sibling: bool = False) -> bytes:
    part = "<div class='body article__body'>{}</div>"
    ad = "<div class='ad'><span>Advertisement</span></div>"
    if sibling:
        return _html(f"<h1>Water plan</h1><div class='row'>{part.format(first)}{ad}"
                     f"{part.format(second)}</div>")
    return _html(f"<h1>Water plan</h1><div class='row'>{part.format(first)}</div>{ad}"
                 f"<div class='row'>{part.format(second)}</div>")


@pytest.mark.parametrize("sibling", [False, True], ids=["rows", "siblings"])
def test_story_split_over_alike_containers_is_read_whole(sibling: bool) -> None:
    # Wired repeats its body container in a new layout row around each ad slot; trafilatura
    # reads the first container its XPaths match.
    half = len(STORY) // 2
    article = _extract(_rows("".join(f"<p>{p}</p>" for p in STORY[:half]),
                             "".join(f"<p>{p}</p>" for p in STORY[half:]), sibling))
    _assert_story(article.text)
    assert "Advertisement" not in article.text


def test_next_story_of_an_infinite_scroll_is_not_joined() -> None:
    other = "<h1>Next story</h1><p>" + " ".join(["The next story is about the harbour."] * 8)
    article = _extract(_rows(_paragraphs(), other + "</p>"))
    _assert_story(article.text)
    assert "harbour" not in article.text


def test_alike_teaser_tiles_are_not_joined_into_a_body() -> None:
    # Teaser tiles that share a body-like class: the first is too short for trafilatura, which
    # then finds the story; joined, they would be long enough to pass for the body.
    tiles = "".join(f"<div class='post-content'><p>Story {i}: a teaser line about the harbour "
                    f"number {i}, and the boats that came in on Monday with fish.</p></div>"
                    for i in range(12))
    article = _extract(_html(f"<div class='tiles'>{tiles}</div><h1>Water plan</h1>"
                             f"<div class='story'>{_paragraphs()}</div>"))
    _assert_story(article.text)


# --- gates: article evidence, flags, scripts ------------------------------------------------

TEASERS = "".join(
    f"<div class='card'><h3><a href='/2024/05/{i:02d}/other-story-number-{i}'>Other story {i}"
    f"</a></h3><p>Excerpt {i}.</p></div>" for i in range(1, 9))


def test_listing_without_evidence_is_a_listing() -> None:
    article = _extract(_html(TEASERS), url="https://news.example.com/politics/")
    assert article.verdict is Verdict.LISTING, article.reason
    assert article.text == ""


def test_teaser_cards_with_long_excerpts_are_a_listing() -> None:
    # Every card has a 45-word excerpt, so "no long paragraph" does not hold; the cards hold
    # the page's prose.
    cards = "".join(
        f"<div class='card'><h3><a href='/2024/05/{i:02d}/other-story-number-{i}'>Other story "
        f"{i}</a></h3><p>{STORY[i % 8]} {STORY[(i + 1) % 8]}</p></div>"
        for i in range(1, 7))
    article = _extract(_html(f"<h1>Politics</h1>{cards}"), url="https://news.example.com/pol")
    assert article.verdict is Verdict.LISTING
    assert "linked card titles" in (article.reason or "")


def test_repeated_link_cards_are_a_listing() -> None:
    # Repeated link cards (a course catalogue) under a long introduction.
    grid = "".join(f"<li class='course'><a href='/courses/c{i}'>Course {i}</a>"
                   f"<span>Six weeks, online</span> <span>Open to all levels</span></li>"
                   for i in range(40))
    page = _html(f"<h1>Courses</h1><p>{STORY[0]} {STORY[1]}</p><ul>{grid}</ul>")
    article = _extract(page, url="https://school.example.com/courses")
    assert article.verdict is Verdict.LISTING
    assert "repeated link cards" in (article.reason or "")


def _shop(intro: str, cards: int = 24, head: str = "") -> bytes:
    grid = "".join(f"<div class='grid__item'><a href='/p/runner-{i}'>Runner {i}</a>"
                   f"<span class='money'>$ {90 + i}.00</span></div>" for i in range(cards))
    return _html(f"<h1>Running shoes</h1>{intro}<div class='grid'>{grid}</div>", head)


def test_product_grid_is_a_listing_whatever_its_guide_and_url() -> None:
    # A shop's category page: its SEO team's buying guide above the grid (long paragraphs, more
    # text than the cards) and a slug URL, which the other listing rules let pass.
    guide = "".join(f"<p>{p} {p}</p>" for p in STORY)
    article = _extract(_shop(guide), url="https://shop.example.com/womens-trail-running-shoes")
    assert article.verdict is Verdict.LISTING, article.reason
    assert "24 product cards" in (article.reason or "")
    # Priced cards in an article are not a grid unless four or more sit side by side.
    article = _extract(_shop(guide, cards=3), url="https://shop.example.com/womens-trail-shoes")
    assert article.verdict is Verdict.ARTICLE, article.reason


def test_product_grid_never_overrules_article_metadata() -> None:
    # Buying guides ("the best kettles") carry priced product cards and og:type article.
    guide = "".join(f"<p>{p} {p}</p>" for p in STORY)
    article = _extract(_shop(guide, head='<meta property="og:type" content="article">'),
                       url="https://reviews.example.com/best-running-shoes")
    assert article.verdict is Verdict.ARTICLE
    assert (article.reason or "").startswith("flagged listing: a grid of 24 product cards")


def test_listing_shape_with_article_metadata_is_stored_with_a_flag() -> None:
    # A publication time is more than og:type article alone (which a shape overrules:
    # test_listing_shape_overrules_og_type_article_alone).
    head = '<meta property="article:published_time" content="2024-05-02T10:00:00Z">'
    article = _extract(_html(TEASERS, head), url="https://news.example.com/politics/")
    assert article.verdict is Verdict.ARTICLE
    assert article.reason is not None and article.reason.startswith("flagged listing:")
    assert "article:published_time" in article.reason


def _cards(count: int) -> str:
    """Linked card titles, each with a 45-word excerpt (long paragraphs)."""
    return "".join(
        f"<div class='card'><h3><a href='/2024/05/{i:02d}/other-story-number-{i}'>Other story "
        f"{i}</a></h3><p>{STORY[i % 8]} {STORY[(i + 1) % 8]}</p></div>" for i in range(count))


def test_listing_shape_overrules_og_type_article_alone() -> None:
    # A section front whose theme prints og:type article on every page: eight card titles
    # holding all the prose. The decision is a listing, and its reason names what it overruled.
    head = '<meta property="og:type" content="article">'
    article = _extract(_html(f"<h1>Politics</h1>{_cards(8)}", head),
                       url="https://news.example.com/politics")
    assert article.verdict is Verdict.LISTING, article.reason
    assert (article.reason or "").endswith("(overrules og:type article alone)")
    # Stronger evidence (a publication time, JSON-LD Article, the outlet's pattern) is only
    # flagged.
    head += '<meta property="article:published_time" content="2024-05-02T10:00:00Z">'
    article = _extract(_html(f"<h1>Politics</h1>{_cards(8)}", head),
                       url="https://news.example.com/politics")
    assert article.verdict is Verdict.ARTICLE
    assert (article.reason or "").startswith("flagged listing: 8 linked card titles")


def test_teaser_titles_in_h1_are_card_titles() -> None:
    # Some fronts give every teaser an h1.
    cards = _cards(6).replace("<h3>", "<h1>").replace("</h3>", "</h1>")
    article = _extract(_html(cards), url="https://firm.example.com/insights")
    assert article.verdict is Verdict.LISTING, article.reason
    assert "6 linked card titles" in (article.reason or "")


def test_home_page_of_teasers_with_summaries_is_a_listing() -> None:
    # A news front: every teaser has a long summary (so "no long paragraph" does not hold) and
    # no heading.
    items = "".join(f"<div class='item'><a href='/2024/05/{i:02d}/story-number-{i}'>Story {i}"
                    f"</a><p>{STORY[i % 8]} {STORY[(i + 1) % 8]}</p></div>" for i in range(25))
    article = _extract(_html(items), url="https://news.example.com/")
    assert article.verdict is Verdict.LISTING, article.reason
    assert article.reason == "home page URL with 25 article links", article.reason
    article = _extract(_html(items), url="https://news.example.com/category/politics/")
    assert article.reason == "/category/ URL with 25 article links", article.reason
    # A one-post blog's front page: its post and a few links.
    links = "".join(f"<li><a href='/2024/05/{i:02d}/story-number-{i}'>Story {i}</a></li>"
                    for i in range(5))
    post = "".join(f"<p>{STORY[i]} {STORY[i + 1]}</p>" for i in range(0, 8, 2))
    article = _extract(_html(f"<article>{post}</article><ul>{links}</ul>"),
                       url="https://blog.example.com/")
    assert article.verdict is Verdict.ARTICLE, article.reason


def test_custom_taxonomy_archive_is_judged_by_its_content() -> None:
    # A plugin's taxonomy term page ("archive tax-language term-spanish") with its own text:
    # not the strong proof a category or tag archive is.
    page = _html(f"<article>{_paragraphs()}</article>").replace(
        b"<body>", b"<body class='archive tax-language term-spanish wp-theme-x'>")
    article = _extract(page, url="https://uni.example.edu/materials/language/spanish/")
    assert article.verdict is Verdict.ARTICLE, article.reason
    for kind in (b"category", b"tax-product_cat"):  # a WooCommerce product category too
        archive = page.replace(b"tax-language", kind)
        article = _extract(archive, url="https://uni.example.edu/materials/language/spanish/")
        assert article.verdict is Verdict.LISTING, kind


def test_outlet_article_pattern_is_evidence() -> None:
    hints = ExtractionHints(article_patterns=(r"/politics/$",))
    article = _extract(_html(TEASERS), url="https://news.example.com/politics/", hints=hints)
    assert article.verdict is Verdict.ARTICLE
    assert "article pattern" in (article.reason or "")
    ignored = ExtractionHints(article_patterns=(r"/politics/$",), ignore_patterns=("/politics",))
    article = _extract(_html(TEASERS), url="https://news.example.com/politics/", hints=ignored)
    assert article.verdict is Verdict.LISTING


def test_strong_listing_proof_overrules_article_metadata() -> None:
    # WordPress's own body class names the archive template: not a heuristic.
    page = _html(TEASERS, '<meta property="og:type" content="article">').replace(
        b"<body>", b"<body class='archive category wp-theme-x'>")
    article = _extract(page, url="https://news.example.com/category/politics/")
    assert article.verdict is Verdict.LISTING, article.reason


def test_paywall_with_metadata_is_stored_with_a_flag() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Water",'
            ' "isAccessibleForFree": "False"}</script>')
    article = _extract(_html(f"<article><p>{STORY[0]}</p><p>{STORY[1]}</p></article>", head))
    assert article.verdict is Verdict.ARTICLE
    assert (article.reason or "").startswith("flagged paywalled:")


def test_article_with_related_cards_and_a_slug_url_is_an_article() -> None:
    # Linked card titles of a related block the rules did not name, on an article whose
    # paragraphs are all short (no 40-word paragraph), without article metadata.
    short = "".join(f"<p>{p[:120]}.</p>" for p in STORY)
    article = _extract(_html(f"<article>{short}</article><div>{TEASERS}</div>"),
                       url="https://news.example.com/council-approves-the-summer-water-plan")
    assert article.verdict is Verdict.ARTICLE, article.reason


JAPANESE = "市議会は火曜日に夏の水計画について議論し、井戸をめぐる長い議論の末に予算で合意した。"
THAI = "สภาเมืองประชุมเมื่อวันอังคารเพื่อหารือแผนน้ำสำหรับฤดูร้อนที่จะมาถึงและตกลงงบประมาณ"
CHINESE = "市议会周二开会讨论了即将到来的夏季供水计划，经过长时间辩论后就预算达成一致。"


@pytest.mark.parametrize(("text", "at_least"), [
    (JAPANESE * 6, 100), (THAI * 6, 100), (CHINESE * 6, 100),
], ids=["japanese", "thai", "chinese"])
def test_words_are_counted_in_every_script(text: str, at_least: int) -> None:
    assert len(text.split()) <= 6
    assert word_units(text) >= at_least
    article = _extract(_html(f"<article><p>{text}</p></article>"))
    assert article.verdict is Verdict.ARTICLE, article.reason
    assert article.word_count >= at_least


def test_word_units_equal_spaces_for_spaced_scripts() -> None:
    for text in ("Le Conseil se réunit jeudi à Rabat.", "وأكد الوزير أن هذه المباحثات"):
        assert word_units(text) == len(text.split())


@pytest.mark.parametrize(("url", "template"), [
    ("https://site.example/", "home page URL"),
    ("https://site.example/category/politics/", "/category/ URL"),
    ("https://site.example/topic/Car%20Rental", "/topic/ URL"),
    ("https://shop.example/c/headphones", "/c/ URL"),
    ("https://news.example/hub/science", "/hub/ URL"),
    ("https://www.example.co.uk/news", "/news/ URL"),
    ("https://example.com/en/blog/", "/blog/ URL"),
    ("https://example.com/blog/minister-meets-the-council", None),
    ("https://site.example/category/politics/minister-meets-the-council-on-water", None),
    ("https://site.example/2024/05/water-plan", None),
])
def test_listing_url(url: str, template: str | None) -> None:
    assert listing_url(url) == template


# --- inline "read also" blocks --------------------------------------------------------------


def test_read_also_blocks_leave_the_body() -> None:
    read_also = (
        "<p><strong>Lire aussi :</strong> <a href='/autre-sujet-123'>Bourita reçoit son "
        "homologue</a></p>"
        "<p>اقرأ أيضا: <a href='/ar/1234'>عنوان مقال آخر</a></p>"
        "<p>Read also: <a href='https://news.example.com/other'>Another headline here</a></p>"
        "<p>À lire aussi</p><ul><li><a href='/x-y-z'>Un autre titre</a></li>"
        "<li><a href='/a-b-c'>Encore un titre</a></li></ul>"
    )
    prose = "<p>Related: the minister said the talks went well, <a href='/m'>he added</a>.</p>"
    article = _extract(_html(f"<article>{_paragraphs()}{read_also}{prose}</article>"))
    _assert_story(article.text)
    for gone in ("Bourita", "عنوان", "Another headline", "Un autre titre", "Encore un"):
        assert gone not in article.text
    assert "the talks went well" in article.text


def test_read_also_counts() -> None:
    root = parse_page("<html><body><p>See also: <a href='/a'>A page</a></p>"
                      "<p>See also the report of the council on water.</p></body></html>")
    assert remove_read_also(root) == 1
