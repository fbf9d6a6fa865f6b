"""L'Opinion (lopinion.ma), on the Wmaker CMS: byline and section in French-named markup.

The general byline rules read English class words ("author", "byline", "writer") and rel=author
links; Wmaker writes ``div.auteur_date > span.auteur`` "Rédigé par <name>" with no link, and the
section as ``div.rubrique > a`` with no rel=category, and no JSON-LD or ``article:*`` metas
name either. Without this module the golden page has no authors and no categories. Markup from
the Wmaker convention noted in ``../shared/research/dom_skeletons.md`` (F), unverified on a
live page: re-check it against the first real night's pages.
"""

from __future__ import annotations

from lxml.etree import XPath
from lxml.html import HtmlElement

from transforms.authors import split_authors

# <div class="auteur_date"><span class="auteur">Rédigé par Nadia Berrada</span> le
# <span class="date">…</span></div>
_byline_selector = XPath(".//*[contains(@class, 'auteur_date')]//*[contains(@class, 'auteur')]")
# <div class="rubrique"><a href="…/Societe_r6.html">Société</a></div> above the headline.
_section_selector = XPath(".//*[contains(concat(' ', @class, ' '), ' rubrique ')]/a")


def authors(root: HtmlElement) -> list[str]:
    names: list[str] = []
    for element in _byline_selector(root):
        names += split_authors(element.text_content())
    return names


def categories(root: HtmlElement) -> list[str]:
    found = [" ".join(a.text_content().split()) for a in _section_selector(root)]
    return list(dict.fromkeys(f for f in found if f))
