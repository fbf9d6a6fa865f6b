"""tagDiv Newspaper (``td-*`` classes): h24info (Newspaper 7.6, saved page of 2018),
lepetitjournalmarocain, and lebrief's tagDiv-like modules. Markup from
``../shared/research/dom_skeletons.md`` (A)."""

from __future__ import annotations

from transforms.themes import Theme

THEME = Theme(
    name="tagDiv Newspaper",
    serves="h24info, lepetitjournalmarocain, lebrief (modules)",
    furniture=(
        # div.td-header-wrap (menus, the crawl-date line) and div.td-footer-wrapper.
        "td-header", "td-footer",
        # footer > div.td-post-source-tags > ul.td-tags: the tag list, read from metas instead.
        "td-tags",
        # ul.td-category > li.entry-category > a, printed without separator above the title
        # ("InternationalNational" in the text when kept); categories are read as links.
        "td-category",
        # div.td-post-comments: the comment counter in the meta line ("0").
        "td-post-comments",
    ),
    strong_furniture=(
        # div.td-crumb-container > div.entry-crumbs: "Accueil > National > <title>".
        "entry-crumbs", "crumb-container",
    ),
    # p.td-post-sub-title under h1.entry-title; whole token only ("td-post-sub-title-wrap" is
    # not the standfirst).
    subtitle=(r"(?:^|\s)td-post-sub-title(?:\s|$)",),
    # div.td-post-author-name > div.td-author-by "Par" + a (the link has no class).
    byline_parents=("td-post-author-name",),
    category_links=(".//ul[contains(@class, 'td-category')]//a",),
    # body.td-theme-Newspaper (and td-* layout classes).
    body_prefixes=("td-",),
)
