"""JNews (``jeg_*`` classes): leseco. Markup from ``../shared/research/dom_skeletons.md`` (B)."""

from __future__ import annotations

from transforms.themes import Theme

THEME = Theme(
    name="JNews",
    serves="leseco",
    furniture=(
        # div.jeg_post_tags > span "Tags:" + a[rel=tag], inside div.content-inner with the body.
        "jeg_post_tags",
        # div.jeg_meta_category "dans <a>Business</a>" in the meta line.
        "jeg_meta_category",
        # div.jeg_navigation.jeg_pagination: page numbers of split posts and listings.
        "jeg_navigation",
    ),
    # h2.jeg_post_subtitle under h1.jeg_post_title.
    subtitle=("jeg_post_subtitle",),
    # div.jeg_meta_author > span.meta_text "par" + a.
    byline_parents=("jeg_meta_author",),
    # body.jnews (and jnews_* classes).
    body_prefixes=("jnews",),
)
