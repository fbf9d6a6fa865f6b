"""Theme files: what we know of one WordPress news theme, in one place (Fundus's
``publishers/shared/``).

Each module in this package describes one theme (or WordPress core and its common plugins) as a
``Theme``: the class tokens of its furniture, its standfirst, byline and category markup, and
the body-class prefix it stamps on every page, each rule with the markup it handles. The
general extraction rules (``transforms.boilerplate``, ``transforms.metadata``,
``transforms.authors``, ``transforms.listing``) are assembled from their own general parts plus
every theme's parts, so there is one place to read or change what a theme looks like.

Theme rules apply to every page, not only to pages detected as that theme: the class names are
specific enough to mean the same thing elsewhere (a ``td-post-comments`` counter is furniture on
any site), detection by body class fails on pages that lose it (AMP copies, aggregators'
republications), and applying them everywhere kept the extraction identical when this package
was split out of the global rules (the ScrapingHub + WCXB quick set, per page).

Per-outlet tweaks that no theme explains live in ``transforms/outlets/<outlet_id>.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    """What one theme contributes to the general rules (regex fragments unless said otherwise).

    Attributes:
        name: the theme's name as its vendor gives it.
        serves: the outlets (registry ids) and other sites known to run it.
        furniture: class/id token fragments of page furniture (``boilerplate._FURNITURE``).
        strong_furniture: fragments of furniture that is never article text on any site,
            applied by the extraction floor's second pass too (``boilerplate._STRONG_FURNITURE``).
        subtitle: class fragments of the standfirst under the headline (``metadata.subtitle``).
        byline_parents: class names (plain strings) of the element whose ``<a>`` child is the
            byline (``authors._BYLINE_XPATH``).
        category_links: XPath expressions of the post's section links (``metadata.categories``).
        body_prefixes: prefixes of the body classes the theme prints on every page
            (``listing._wordpress_page_kind``: a themed WordPress archive is a listing).
    """

    name: str
    serves: str
    furniture: tuple[str, ...] = ()
    strong_furniture: tuple[str, ...] = ()
    subtitle: tuple[str, ...] = ()
    byline_parents: tuple[str, ...] = ()
    category_links: tuple[str, ...] = ()
    body_prefixes: tuple[str, ...] = ()


def _themes() -> tuple[Theme, ...]:
    from transforms.themes import jannah, jnews, tagdiv, wordpress

    return (tagdiv.THEME, jnews.THEME, jannah.THEME, wordpress.THEME)


THEMES: tuple[Theme, ...] = _themes()


def furniture(strong_only: bool = False) -> tuple[str, ...]:
    """Every theme's furniture fragments (strong ones only when ``strong_only``)."""
    if strong_only:
        return tuple(f for t in THEMES for f in t.strong_furniture)
    return tuple(f for t in THEMES for f in (*t.furniture, *t.strong_furniture))


def subtitle_classes() -> tuple[str, ...]:
    """Every theme's standfirst class fragments."""
    return tuple(f for t in THEMES for f in t.subtitle)


def byline_parents() -> tuple[str, ...]:
    """Every theme's byline container classes."""
    return tuple(c for t in THEMES for c in t.byline_parents)


def category_links() -> tuple[str, ...]:
    """Every theme's section-link XPaths."""
    return tuple(x for t in THEMES for x in t.category_links)


def body_prefixes() -> tuple[str, ...]:
    """Every theme's body-class prefixes."""
    return tuple(p for t in THEMES for p in t.body_prefixes)
