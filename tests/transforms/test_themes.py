"""Theme files (``transforms/themes/``): each theme's rules reach the general rules, and a
theme's markup from the research DOM skeletons is read by them."""

from __future__ import annotations

import pkgutil
from importlib import import_module

import lxml.html
import pytest

from tests.support.golden import load_golden
from transforms import authors, boilerplate, listing, metadata, themes

THEME_IDS = [t.name for t in themes.THEMES]


def test_every_theme_file_is_registered() -> None:
    """A theme file outside ``THEMES`` would be knowledge no rule uses."""
    modules = [m.name for m in pkgutil.iter_modules(themes.__path__)]
    assert {import_module(f"transforms.themes.{m}").THEME for m in modules} == set(themes.THEMES)


@pytest.mark.parametrize("theme", themes.THEMES, ids=THEME_IDS)
def test_theme_rules_reach_the_general_rules(theme: themes.Theme) -> None:
    assert theme.name and theme.serves
    for fragment in (*theme.furniture, *theme.strong_furniture):
        assert fragment in boilerplate._FURNITURE.pattern
    for fragment in theme.strong_furniture:
        assert fragment in boilerplate._STRONG_FURNITURE.pattern
    for fragment in theme.subtitle:
        assert fragment in metadata._SUBTITLE_CLASS.pattern
    for parent in theme.byline_parents:
        assert f"contains(../@class, '{parent}')" in authors._BYLINE_XPATH.path
    for xpath in theme.category_links:
        assert xpath in metadata._CATEGORY_LINKS.path
    assert set(theme.body_prefixes) <= set(listing._THEMED_BODY)


def _page(outlet: str) -> lxml.html.HtmlElement:
    page = next(p for p in load_golden() if p.outlet == outlet)
    root = boilerplate.parse_page(page.body.decode("utf-8"))
    assert root is not None
    return root


@pytest.mark.parametrize(("outlet", "css", "theme_module"), [
    ("h24info", "div.td-post-comments", "tagdiv"),  # the comment counter "0"
    ("h24info", "ul.td-tags", "tagdiv"),
    ("h24info", "div.entry-crumbs", "tagdiv"),
    ("leseco", "div.jeg_post_tags", "jnews"),
    ("leseco", "div.jeg_meta_category", "jnews"),
    ("hibapress_fr", "span.meta-views", "jannah"),
    ("barlamane_fr", "span.cat-links", "wordpress"),
    ("barlamane_fr", "nav.post-navigation", "wordpress"),
])
def test_theme_furniture_is_removed(outlet: str, css: str, theme_module: str) -> None:
    """The theme's furniture, as its golden page (after the DOM skeletons) prints it, goes."""
    root = _page(outlet)
    assert root.cssselect(css), f"{outlet}: no {css} in the golden page"
    boilerplate.remove_boilerplate_nodes(root)
    assert not root.cssselect(css)


@pytest.mark.parametrize(("outlet", "standfirst"), [
    ("h24info", "Un an après sa mise en service"),  # tagDiv p.td-post-sub-title
    ("leseco", "Les primes émises atteignent"),  # JNews h2.jeg_post_subtitle
])
def test_theme_standfirst(outlet: str, standfirst: str) -> None:
    assert (metadata.subtitle(_page(outlet)) or "").startswith(standfirst)


def test_tagdiv_byline_and_section() -> None:
    """tagDiv's byline is a bare <a> in div.td-post-author-name; its section list ul.td-category
    (the page's JSON-LD, Yoast 6.3, names neither)."""
    root = _page("h24info")
    assert authors._BYLINE_XPATH(root)[0].text_content() == "Salma Idrissi"
    assert metadata.categories(root, {}, {}) == ["Maroc"]
