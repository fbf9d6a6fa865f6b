"""Pages that name themselves listings: strong evidence, like ``listing.listing_proof``.

A page's own title can say what it is, whatever its metadata claims (a CMS or a wiki prints
the same JSON-LD Article on every page it serves):

* the site's home page titled "Home" (``HOME_TITLES``): the GitHub blog's front on WCXB dev
  carries a JSON-LD ``BlogPosting`` headlined "Home", with ``og:type`` website;
* a page titled "List of …" (``LIST_TITLE``) whose text is mostly links (``LIST_LINK_SHARE``):
  Wikipedia's lists, which carry the wiki's JSON-LD Article.

Measured on WCXB's dev split and ScrapingHub: the 3 pages above (listing pages stored as
articles before) and no article: no article of either set is titled "Home" (the two on a home
page URL, an agency's front page and a woodworking blog's, have headline titles), and none is
titled "List of …". ``LIST_LINK_SHARE`` keeps a news story listing winners, which is prose, out
of it: Wikipedia's lists have 65 % and 71 % of their text in links, and 8 of the 974 articles
of both sets half or more (at most 82 %, a CBS News story on ScrapingHub).
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from transforms.listing import link_share
from transforms.listing_urls import HOME_PAGE, listing_url

# A home page's own title, once the site name is stripped, in the outlets' and WCXB's languages.
HOME_TITLES = frozenset({
    "home", "homepage", "home page", "accueil", "page d'accueil", "page d’accueil",
    "startseite", "inicio", "início", "página inicial", "pagina principale", "الرئيسية",
    "الصفحة الرئيسية",
})
# "List of …" in the languages of the outlets and of Wikipedia's largest editions.
LIST_TITLE = re.compile(
    r"^(lists? of|liste (des|de|der|von)|lista (de|dos|das)|elenco (di|dei|delle)|قائمة|قوائم)\s",
    re.IGNORECASE)
LIST_LINK_SHARE = 0.5


def named_listing(cleaned: HtmlElement, url: str, title: str | None) -> str | None:
    """Why the page names itself a listing (module docstring), or None.

    Args:
        cleaned: the page's tree after furniture removal.
        url: the page's URL.
        title: the record's title (site name already stripped), None when none was found.
    """
    if not title:
        return None
    said = " ".join(title.split()).casefold()
    if said in HOME_TITLES and listing_url(url) == HOME_PAGE:
        return f"the home page, titled {title!r}"
    if not LIST_TITLE.match(said):
        return None
    body = cleaned.find("body")
    share = link_share(body if body is not None else cleaned)
    if share >= LIST_LINK_SHARE:
        return f"titled {title[:40]!r}, {share:.0%} of the text in links"
    return None
