"""WordPress core and the plugins most news sites add, on any theme: barlamane_fr,
moroccoworldnews, and every theme in this package. Markup from
``../shared/research/dom_skeletons.md`` (D, E) and WordPress's own templates."""

from __future__ import annotations

import re

from transforms.themes import Theme

THEME = Theme(
    name="WordPress core and common plugins",
    serves="every WordPress outlet (barlamane_fr, moroccoworldnews, and the themes above)",
    furniture=(
        # Gutenberg's embed wrapper (figure.wp-block-embed): the embed is read apart
        # (``transforms.embeds``), its wrapper is not article text.
        "wp-block-embed",
        # the_category() / the_tags() in footers: span.cat-links, .entry-tags, .entry-category.
        "cat-links", "entry-tags", "entry-category",
        # the_post_navigation(): nav.post-navigation > div.nav-links (previous / next post).
        "post-navigation", "nav-links",
    ),
    strong_furniture=(
        # comment_form() and wp_list_comments(): div#respond.comment-respond, form.comment-form,
        # ol.comment-list, div.comments-area.
        "comment-(respond|form|list|area)", "^respond$",
        # Jetpack sharing, AddToAny: share bars.
        "sharedaddy", "addtoany", "a2a_kit",
        # YARPP related posts.
        "yarpp",
        # MailPoet, Mailchimp for WP (mc4wp), Brevo/SendinBlue forms.
        "mailpoet", "mc4wp", "sib-form",
        # Reading Time WP: span.rt-reading-time > span.rt-label.rt-prefix / span.rt-time.
        "rt-(label|time|prefix|postfix)",
    ),
    body_prefixes=("wp-",),
)

# post_class() adds one token per category and tag ("category-breaking-news",
# "tag-newsletter"): those describe the post, not a widget, and sit on the article itself.
POST_CLASS_PREFIX = re.compile(r"^(category|tag|post|postid|format|type|status|has|hentry)-")

# body_class() on archives: "archive category category-x", "archive tag", "archive author",
# "search", "home blog" or "paged" for listings.
ARCHIVE_BODY_CLASSES = frozenset(
    {"archive", "category", "tag", "author", "search", "blog", "paged", "date"})
