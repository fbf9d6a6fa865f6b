"""What a URL says about its page: a listing template (``listing_url``), one page's slug
(``slug_words``).

A listing URL is a path segment naming a template (category, tag, topic, section, author,
search, archive pages, shops' and portals' category paths) followed by no article-like segment
(``ARTICLE_PATH``), a last segment naming the site's index of its stories, or the site's home
page. Read by the listing heuristics (``listing.py``), the catalogue rule (``catalogue.py``),
pages that name themselves listings (``named_listing.py``) and the article evidence of meta
tags on such URLs (``verdict.article_evidence``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# A path segment that names one page: a slug of three words or more, a number of 4+ digits,
# a ``_a123.html`` page.
ARTICLE_PATH = re.compile(r"[a-z0-9]+(-[a-z0-9]+){2,}|\d{4,}|_a\d+\.html", re.IGNORECASE)

# Path segments that name a listing template (category, tag, topic, section, author, search,
# archive pages) in the languages of the outlets and of WCXB. A listing URL is such a segment
# followed by no article-like segment, or the site's home page.
_LISTING_SEGMENTS = {
    "category", "categories", "tag", "tags", "topic", "topics", "section", "sections", "genre",
    "browse", "archive", "archives", "author", "authors", "search", "page", "rubrique",
    "rubriques", "categorie", "theme", "themes", "dossier", "dossiers", "kategorie", "thema",
    "themen", "categoria", "categorias", "tema", "temas", "etiqueta", "kategori", "arsip",
    "collections", "shop",
    # Shops' and portals' category paths (/c/headphones, /hub/science, /list/…)
    "c", "hub", "list", "lists", "catalog", "catalogue", "subcategory", "subcategories",
    "sub-categories",
}
# The last word of a compound segment that names a listing template: WooCommerce's
# ``/product-category/``, a course catalogue's ``/course-catalog/``, ``/news-archive/``. WCXB
# dev and ScrapingHub: 1 listing page stored as an article before (a course catalogue's
# subject page), 2 collection pages judged listings already, no article.
_LISTING_SUFFIXES = {"category", "categories", "catalog", "catalogue", "archive", "archives"}
# A last path segment that names a site's index of its own stories (bbc.com/news,
# example.com/blog/): a listing URL, where the same word before a slug is not.
_SECTION_INDEXES = {"news", "blog", "blogs", "articles", "stories", "latest", "press",
                    "actualites", "actualite", "nachrichten", "noticias", "notizie", "akhbar"}
HOME_PAGE = "home page URL"
_HOME_PATH = re.compile(r"(index\.\w+|home|accueil|[a-z]{2}(-[a-z]{2})?)")


def listing_url(url: str) -> str | None:
    """The listing template a URL names (``_LISTING_SEGMENTS``, the home page), or None."""
    segments = [s for s in unquote(urlsplit(url).path).lower().split("/") if s]
    if not segments or (len(segments) == 1 and _HOME_PATH.fullmatch(segments[0])):
        return HOME_PAGE
    for i, segment in enumerate(segments):
        if (segment in _LISTING_SEGMENTS or segment.rsplit("-", 1)[-1] in _LISTING_SUFFIXES
                and "-" in segment) and not any(
                ARTICLE_PATH.search(s) for s in segments[i + 1:]):
            return f"/{segment}/ URL"
    if segments[-1] in _SECTION_INDEXES:
        return f"/{segments[-1]}/ URL"
    return None


def listing_template(url: str) -> str | None:
    """The listing template a URL names other than the home page (``listing_url``), which
    weakens meta evidence (``verdict.article_evidence``)."""
    template = listing_url(url)
    return template if template != HOME_PAGE else None


def slug_words(url: str) -> int:
    """Words of the URL's last path segment ("how-to-set-up-your-monitor" → 6)."""
    segments = [s for s in unquote(urlsplit(url).path).split("/") if s]
    if not segments:
        return 0
    last = re.sub(r"\.\w{2,5}$", "", segments[-1])
    return sum(1 for w in re.split(r"[-_+\s]+", last) if w and not w.isdigit())
