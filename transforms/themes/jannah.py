"""Jannah (TieLabs, ``tie-*`` classes): hibapress_fr, almassaa. Markup from
``../shared/research/dom_skeletons.md`` (C). Jannah prints its own JSON-LD
(``script#tie-schema-json``), read like any other by ``transforms.metadata``; its byline is
``a.author-name``, which the general byline rule already reads."""

from __future__ import annotations

from transforms.themes import Theme

THEME = Theme(
    name="Jannah",
    serves="hibapress_fr, almassaa",
    furniture=(
        # span.meta-comment and span.meta-views: comment and view counters in the meta line.
        "meta-comment", "meta-views",
        # span.post-cat-wrap > a.post-cat: the section label above the title.
        "post-cat",
    ),
    # h2.entry-sub-title under h1.post-title.
    subtitle=("entry-sub-title",),
    category_links=(".//a[contains(@class, 'post-cat')]",),
    # body.tie-* (and div.tie-row, tie-col-* layout).
    body_prefixes=("tie-",),
)
