"""Author names: where bylines are found, how a byline is cut into names, what is not a name.

Sources, most reliable first (``authors``): JSON-LD ``author``, ``<meta name=author>``,
``article:author`` (when it is not a URL), then the visible byline. A structured value that
names the site itself ("USA TODAY" on usatoday.com, the JSON-LD publisher, og:site_name) is
SEO filler, not an author: it is dropped and the next source is read. A visible byline naming the
site (a desk byline such as "Hespress FR" linked to its author page) is what the reader sees and
is kept.

Cutting a byline (``split_authors``): commas, semicolons, slashes and bars always separate names,
except that a credential after a comma stays with its name ("Jane Doe, MD, PhD"). "&" and the
conjunctions "and", "et", "und", "y", "e", "و" separate names only when both sides look like a
person's full name (two to five words, capitalised where the script has case, no organisation
word): "Manoj Jain and Jagpreet Chhatwal" is two people; "Johnson & Johnson", "Ortega y Gasset",
"Center for Drug Evaluation and Research" and "Maria & Katerina" stay whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lxml.etree import Element, XPath
from lxml.html import HtmlElement

from transforms import themes
from transforms.htmltext import block_lines

# "By", "Par", "Written by", "Auteur :" and the like before the name(s). Lower-case "de" only:
# a capitalised "De" begins surnames (De Gaulle).
_PREFIX = re.compile(
    r"^(?:(?:written|posted|published|words|reported|text|story|recipe|report)\s+by|by|par|por"
    r"|von|door|écrit par|rédigé par|publié par|authors?|auteure?s?|autor(?:es|in)?|autore"
    r"|بقلم|كتبه|كتب|إعداد)\s*[:：\-–—]?\s+|^de\s+|^(?:authors?|auteur|autor)\s*[:：]\s*",
    re.IGNORECASE,
)
# Where a date or a label glued after the name begins: "Jane Doe • March 3", "Jane Doe Last
# updated", "Jane Doe - 2024-12-17", "Jane Doe December 18, 2025".
_MONTH = (
    r"(?:jan(?:uary|vier)?|feb(?:ruary)?|févr(?:ier)?|mar(?:ch|s)?|apr(?:il)?|avr(?:il)?|may|mai"
    r"|june?|juin|july?|juil(?:let)?|aug(?:ust)?|août|sept?(?:ember|embre)?|oct(?:ober|obre)?"
    r"|nov(?:ember|embre)?|dec(?:ember)?|déc(?:embre)?)\.?"
)
_TAIL = re.compile(
    r"\s*(?:[•|·]|\s-\s|\s–\s|\s—\s).*$"
    r"|\s+(?:last\s+)?(?:updated|modified|published|posted|reviewed|fact[- ]checked|mis à jour"
    r"|publié)\b.*$|\s+on\s+(?:\d|" + _MONTH + r"\s).*$"
    rf"|\s+{_MONTH}\s+\d.*$|\s+\d{{1,4}}[/.\-]\d{{1,2}}.*$",
    re.IGNORECASE,
)
# A full month name glued after a name of three words or more ("Luke Kim December"); two-word
# names keep it ("Tom May", "Theresa May").
_TRAILING_MONTH = re.compile(
    r"\s+(?:january|february|march|april|june|july|august|september|october|november|december"
    r"|janvier|février|avril|juillet|septembre|octobre|novembre|décembre)$",
    re.IGNORECASE,
)
# Whole values that are labels, placeholders or dates, not names.
_NOT_A_NAME = re.compile(
    r"^(?:admin(?:istrator)?|webmaster|editor|author|authors|the author|auteur|written by|by|on"
    r"|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?|skip.*|share.*|follow.*"
    r"|posted by|undefined|null|none|nan|unknown|user|guest|view (?:all|more) posts.*"
    r"|read more.*|more (?:by|from|about) .*|(?:see|view) (?:all|more).*|all posts.*"
    r"|(?:last\s+)?updated.*|published.*|\d+(?:[/.\-]\d+)+.*|\d{1,2}\.?\s+" + _MONTH + r".*"
    r"|" + _MONTH + r"(?:\s+\d.*)?)$",
    re.IGNORECASE,
)
# Credentials and generational suffixes that follow a name after a comma.
_CREDENTIAL = re.compile(
    r"^(?:[A-Z]{2,6}|Ph\.?\s?D\.?|M\.?D\.?|[A-Z]\.(?:[A-Z]\.)+|Jr\.?|Sr\.?|II|III|IV|Esq\.?)"
    r"(?:[\s-][A-Z0-9]{2,6})*$"
)
_HARD_SPLIT = re.compile(r"\s*[,;/|،؛]\s*")
_LEADING_CONJUNCTION = re.compile(r"^(?:&|and|et|und|y|e|و)\s+")
_SOFT_SPLIT = re.compile(r"\s+(?:&|and|et|und|y|e|و)\s+|\s*&\s*")
# Words that make a side of "X and Y" an organisation rather than a person.
_ORGANISATION = re.compile(
    r"\b(?:team|staff|editors?|editorial|desk|newsroom|group|inc|ltd|llc|gmbh|co|corp"
    r"|corporation|company|institute|university|college|school|association|society|center"
    r"|centre|department|ministry|council|committee|foundation|agency|services?|research"
    r"|press|news|media|network|bank|board|office|rédaction|équipe|agence)\b",
    re.IGNORECASE,
)
_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "del", "della", "la", "le", "du",
              "dos", "das", "bin", "ibn", "al", "el", "ben", "ter", "ten", "zu", "y", "e"}
# A job title glued after a name ("Harry Rabinowitz Tech Reporter", "Matt Check Head Winemaker"):
# cut at the first of these words from the third word on, when what precedes looks like a person.
_ROLE_WORDS = {
    "writer", "reporter", "editor", "contributor", "correspondent", "journalist", "columnist",
    "coordinator", "manager", "founder", "co-founder", "director", "consultant",
    "specialist", "producer", "photographer", "senior", "staff", "contributing", "head", "lead",
    "chief", "deputy", "managing", "associate", "executive", "former", "tech", "content",
    "guest", "freelance", "attorney", "lawyer", "journaliste", "rédacteur", "rédactrice",
    "correspondant",
}
_MAX_NAME_CHARS = 80
_MAX_NAME_WORDS = 8


def letters(text: str) -> str:
    """Lower-case letters and digits only: "USA TODAY" and "usatoday" compare equal."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def names_site(name: str, site_keys: Iterable[str]) -> bool:
    """Whether ``name`` is the site's own name (``site_keys``: their ``letters``; a leading
    "The" ignored). Exact: "Podium Staff" on podium.com is a desk byline, not the site."""
    key = letters(name)
    return bool(key) and (key in site_keys or key.removeprefix("the") in site_keys)


def clean_name(raw: str) -> str | None:
    """One name as it should be stored, or None when ``raw`` is not a name."""
    name = " ".join(raw.split()).strip(" .,;:-–—•|")
    for _ in range(2):
        name = _PREFIX.sub("", name).strip(" .,;:-–—•|")
    name = _TAIL.sub("", name).strip(" .,;:-–—•|")
    name = re.sub(r"\s+\d+$", "", name)  # a count glued after the name: "Jane Doe 4"
    if len(name.split()) >= 3:
        name = _TRAILING_MONTH.sub("", name)
        name = _without_role(name)
    if not name or not any(ch.isalpha() for ch in name) or _NOT_A_NAME.match(name):
        return None
    if re.search(r"://|\bwww\b|\.com\b|\bcom$|\w@\w", name, re.IGNORECASE):
        return None
    # Template placeholders and numeric ids: "page.head.extra.author", "mdelatorreq6vkpg2ma0ci".
    if re.fullmatch(r"[\w-]+(?:\.[\w-]+){2,}", name) or sum(ch.isdigit() for ch in name) >= 3:
        return None
    if len(name) > _MAX_NAME_CHARS or len(name.split()) > _MAX_NAME_WORDS:
        return None
    return name


def _without_role(name: str) -> str:
    words = name.split()
    for index in range(2, len(words)):
        if words[index].casefold() in _ROLE_WORDS and _looks_like_person(" ".join(words[:index])):
            return " ".join(words[:index])
    return name


def _looks_like_person(side: str) -> bool:
    words = side.split()
    if not 2 <= len(words) <= 5 or _ORGANISATION.search(side) or words[0].casefold() == "the":
        return False
    return all(w[0].isupper() or not w[0].isalpha() or not w[0].islower() or w in _PARTICLES
               for w in words)


def _split_soft(part: str) -> list[str]:
    """"A and B" → [A, B] when both sides are people; otherwise [part]."""
    pieces = _SOFT_SPLIT.split(part)
    if len(pieces) > 1 and all(_looks_like_person(p) for p in pieces):
        return pieces
    return [part]


def split_authors(raw: str) -> list[str]:
    """A byline → its names: "Par A. Alaoui et B. Bennani" → ["A. Alaoui", "B. Bennani"]."""
    text = " ".join(raw.split())
    if re.match(r"(?:https?://|www\.)\S+$", text):
        return []  # an author page's URL, not a name
    for _ in range(2):
        text = _PREFIX.sub("", text)
    parts: list[str] = []
    for part in _HARD_SPLIT.split(text):
        part = _LEADING_CONJUNCTION.sub("", part.strip(" .-"))  # "A, B, and C"
        if not part:
            continue
        credential = _TAIL.sub("", part).strip(" .-")
        if parts and _CREDENTIAL.match(credential):
            parts[-1] = f"{parts[-1]}, {credential}"
        else:
            parts.append(part)
    found: list[str] = []
    for part in parts:
        for piece in _split_soft(part):
            name = clean_name(piece)
            if name and not (found and _is_role(name)):
                found.append(name)
    return found


def _is_role(part: str) -> bool:
    """A part after a name that is a job title ("Tech Reporter", "Head Winemaker")."""
    words = part.casefold().split()
    return bool(words) and len(words) <= 4 and any(w in _ROLE_WORDS for w in words)


def _ld_names(value: Any) -> list[str]:
    """The names of JSON-LD authors (objects with a name, or plain strings)."""
    if isinstance(value, list):
        return [n for v in value for n in _ld_names(v)]
    if isinstance(value, dict):
        return [str(value["name"])] if value.get("name") else []
    return [str(value)] if value else []


# Visible bylines: rel=author links, the themes' markup and generic WordPress markup first;
# then elements whose class names the author ("author-name", "post-author", "byline",
# Elementor's "elementor-post-info__item--type-author", BEM "article__author__name"), skipping
# author boxes (biographies), avatars and comment authors; then links to an author page.
# Written as two walks of the tree rather than one per theme (six): the same elements, in
# document order, in half the time (0.9 ms a page on WCXB).
# The themes' byline containers (``transforms/themes/``: tagDiv, JNews) hold a bare <a>.
_THEME_BYLINES = "".join(f" or contains(../@class, '{c}')" for c in themes.byline_parents())
_BYLINE_XPATH = XPath(
    ".//a[@rel='author' or contains(@class, 'author-name')" + _THEME_BYLINES
    + " or ancestor::span[contains(@class, 'byline')]]"
    " | .//*[@itemprop='name'][ancestor::*[@itemprop='author']]"
)
_AUTHOR_CLASS = re.compile(
    r"(?:^|[-_])(?:author|byline|writer)(?:s|[-_]+name|[-_]+link|[-_]+title)?$"
    r"|(?:^|[-_])(?:author|byline)[-_]+(?:name|link)|--type-author$",
    re.IGNORECASE,
)
_NOT_BYLINE_CLASS = re.compile(
    r"box|bio|about|avatar|image|img|photo|description|desc|comment|widget|social|follow",
    re.IGNORECASE,
)
# Class tokens of the areas whose names are not the article's byline.
_NOT_BYLINE_AREA = re.compile(
    r"author[-_]*(?:box|bio|card|profile)|about[-_]*(?:the[-_]*)?author|^comments?$|comment[-_]"
    r"|related|^sidebar$|[-_]sidebar$|^widget$|more[-_]from",
    re.IGNORECASE,
)
_ARTICLE_ROOTS = {"article", "main", "body", "html"}
# The elements ``_AUTHOR_CLASS`` may match: a cheap regex over each class attribute first.
# A Python walk with this test takes a third of the time of the equivalent XPath of five
# contains() (libxml2's string functions are slow): 0.7 against 1.9 ms a page on WCXB.
_AUTHORISH_CLASS = re.compile("uthor|yline|riter|AUTHOR|BYLINE")


def _authorish(root: HtmlElement) -> list[HtmlElement]:
    return [e for e in root.iterdescendants(Element)
            if (c := e.get("class")) and _AUTHORISH_CLASS.search(c)]


_AUTHOR_LINKS = XPath(
    ".//a[contains(@href, '/author/') or contains(@href, '/authors/')"
    " or contains(@href, '/auteur/') or contains(@href, '/autor/')]"
)
_OUTSIDE_ARTICLE = {"nav", "footer", "aside"}
# A byline element's whole text ("By Jane Doe and John Roe | Updated March 3, 2025"); longer
# ones are biographies.
_MAX_BYLINE_CHARS = 100
# Visible bylines read: a page lists its authors once near the headline; later matches are
# "more from this author" cards and comment authors.
_MAX_BYLINES = 3
# "By Jane Doe" written as text, in markup that says nothing (utility-class CSS): an element
# whose own text starts with a byline word.
_BY_TEXT = re.compile(
    r"^\s*(?:(?:written|posted|words|reported|story)\s+by|by|par|por|von|door|bei|بقلم)\b"
    r"\s*:?\s*",
    re.IGNORECASE,
)
_NO_TEXT = {"script", "style", "noscript", "template", "title", "option", "textarea"}
# First characters of ``_BY_TEXT``'s words: a cheap test before the regex, on every node.
_BY_FIRST = frozenset("BbWwPpVvDdRrSsب")


def _outside_article(element: HtmlElement) -> bool:
    """Inside nav, aside, an author box (a biography), comments, related cards, a sidebar, or a
    footer that is not the article's own ("entry-footer" bylines). The ancestors looked at stop
    at the page's <article> or <main>, and never include <body>."""
    path, in_article = [], False
    for node in element.iterancestors():
        if node.tag in _ARTICLE_ROOTS:
            in_article = node.tag in {"article", "main"}
            break
        path.append(node)
    for node in path:
        if node.tag in _OUTSIDE_ARTICLE and not (node.tag == "footer" and in_article):
            return True
        if any(_NOT_BYLINE_AREA.search(token) for token in (node.get("class") or "").split()):
            return True
    return False


def _classed(root: HtmlElement) -> list[HtmlElement]:
    found = []
    for element in _authorish(root):
        tokens = (element.get("class") or "").split()
        if any(_AUTHOR_CLASS.search(t) for t in tokens) and not any(
            _NOT_BYLINE_CLASS.search(t) for t in tokens
        ):
            found.append(element)
    return found


def _byline_group(elements: list[HtmlElement]) -> list[HtmlElement]:
    """The page's byline among matches in document order: the first match outside nav, footer,
    aside and author boxes (or the innermost match inside it: the name, not its role), with the
    matches beside it under the same parent ("By <a>A</a> and <a>B</a>"). Later matches are
    "more from" cards and comment authors."""
    candidates = [e for e in elements if not _outside_article(e)]
    if not candidates:
        return []
    first = candidates[0]
    for element in candidates[1:]:
        if first in element.iterancestors():
            first = element
    parent = first.getparent()
    return [first] + [e for e in candidates if e is not first and e.getparent() is parent
                      and first not in e.iterancestors()]


def _byline_text(element: HtmlElement) -> str:
    """The element's text, with " | " where a block or line break separates two parts (a name
    and, in its own element, the writer's role: "Harry Rabinowitz | Tech Reporter")."""
    return " | ".join(block_lines(element, space_inline=True))


def _names_in(elements: list[HtmlElement]) -> list[str]:
    texts = [_byline_text(e) for e in _byline_group(elements)]
    names: list[str] = []
    for text in texts:
        if text and len(text) <= _MAX_BYLINE_CHARS:
            names += [n for n in split_authors(text)
                      if _plausible(n) and not (names and _is_role(n))]
    return unique(names)


def _plausible(name: str) -> bool:
    """A visible byline's name: up to six words, each capitalised where the script has case
    (a sentence of a biography, "More By This Contributor" fail)."""
    words = name.split()
    return len(words) <= 6 and all(
        not w[0].islower() or w in _PARTICLES for w in words
    )


def _by_texts(root: HtmlElement) -> list[HtmlElement]:
    """Elements whose own text opens with "By", "Written by", "Par"… (short ones only)."""
    found = []
    for element in root.iter():
        text = element.text
        if (text and text.lstrip()[:1] in _BY_FIRST and isinstance(element.tag, str)
                and element.tag not in _NO_TEXT and _BY_TEXT.match(text)):
            if _BY_TEXT.sub("", element.text_content()).strip() == "" and (
                    element.getparent() is not None):
                element = element.getparent()  # <span>By</span> <a>Jane Doe</a>
            if len(element.text_content()) <= _MAX_BYLINE_CHARS:
                found.append(element)
            if len(found) >= _MAX_BYLINES:
                break
    return found


def visible_names(root: HtmlElement) -> list[str]:
    """The names in the page's visible byline, from its most explicit markup to the least:
    ``_BYLINE_XPATH``, elements whose class names the author, links to an author page, then
    elements whose text opens with "By"."""
    for source in (_BYLINE_XPATH, _classed, _AUTHOR_LINKS, _by_texts):
        names = _names_in(source(root))
        if source is _by_texts:
            # Unmarked text: "By Category" in a filter bar is not a byline; a full name is.
            names = [name for name in names if len(name.split()) >= 2]
        if names:
            return names
    return []


def unique(values: Iterable[str]) -> list[str]:
    """First occurrence of each value, case-insensitively."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return list(seen.values())


def authors(
    root: HtmlElement, meta: dict[str, str], ld: dict[str, Any], site_keys: Iterable[str] = ()
) -> list[str]:
    """Author names, most reliable source first (see the module docstring).

    A structured author that is the site's own name gives way to a visible byline naming
    someone else; without one it stands (company blogs and personal sites sign with their
    name: on WCXB's dev articles dropping it outright lost 40 annotated authors to remove 13
    site names from pages the annotators left without one).
    """
    keys = {k for k in site_keys if k}
    structured = [_ld_names(ld.get("author")), [meta.get("author", "")]]
    article_author = meta.get("article:author", "")
    if "://" not in article_author:
        structured.append([article_author])
    site_named: list[str] = []
    for source in structured:
        names = unique(name for raw in source if raw for name in split_authors(raw))
        people = [name for name in names if not names_site(name, keys)]
        if people:
            return people
        site_named = site_named or names
    shown = visible_names(root)
    if site_named and all(names_site(name, keys) for name in shown):
        return site_named
    people = [name for name in shown if not names_site(name, keys)]
    return people or shown
