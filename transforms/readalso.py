"""Inline "read also" blocks: a label and a link to another article, inside the article body.

News sites break their articles with «Lire aussi : <title of another article>», "Read also:",
«اقرأ أيضا», "Related: …". They sit in ordinary paragraphs inside the body, so neither the
furniture rules (no class names them) nor trafilatura drop them, and their text (another
article's headline) ends up in ours. The rule is structural and multilingual: a block whose text
is one of the labels below, a separator, then (mostly) the text of links; or a label standing
alone, followed by a block or list that is all links.
"""

from __future__ import annotations

import re

from lxml.etree import XPath
from lxml.html import HtmlElement

from transforms.boilerplate import drop_element

# Labels, in the outlets' languages and the common ones of the web, each optionally followed by
# a separator. Matched at the start of the block's text, case-insensitively.
_LABELS = [
    # French
    r"(?:à|a)?\s*lire\s+(?:aussi|également|egalement|plus)", r"lisez\s+(?:aussi|également)",
    r"(?:à\s+)?voir\s+aussi", r"(?:à|a)\s+(?:voir|découvrir)", r"sur\s+le\s+même\s+sujet",
    r"pour\s+aller\s+plus\s+loin", r"(?:découvrez|découvrir)\s+aussi",
    r"dans\s+la\s+même\s+rubrique",
    # English
    r"(?:read|see|watch)\s+(?:also|more|next)", r"also\s+(?:read|see|watch)",
    r"related(?:\s+(?:articles?|stories|story|news|content|posts?|reading|coverage))?",
    r"more\s+(?:on\s+this(?:\s+story)?|from\s+\S+(?:\s+\S+)?|stories|news|coverage)",
    r"recommended(?:\s+(?:for\s+you|reading|stories))?", r"suggested(?:\s+reading)?",
    r"you\s+(?:may|might)\s+also\s+(?:like|be\s+interested\s+in|enjoy)", r"don'?t\s+miss",
    r"must\s+read", r"further\s+reading", r"editor'?s\s+picks?",
    # Arabic
    r"[اإ]قر[أا]\s+(?:[أا]يض[اًا]+|كذلك)", r"(?:مواضيع|مقالات|أخبار)\s+ذات\s+صلة", r"ذات\s+صلة",
    r"(?:شاهد|طالع)\s+[أا]يض[اًا]+", r"قد\s+يهمك",
    # Spanish, Portuguese, Italian, German, Dutch, Indonesian, Turkish
    r"(?:lee|leer|lea)\s+(?:también|tambien|más)", r"te\s+puede\s+interesar", r"ver\s+también",
    r"relacionad[oa]s?", r"leia\s+(?:também|mais)", r"veja\s+(?:também|mais)", r"saiba\s+mais",
    r"leggi\s+anche", r"vedi\s+anche", r"potrebbe\s+interessarti",
    r"lesen\s+sie\s+(?:auch|mehr)", r"mehr\s+zum\s+thema", r"auch\s+interessant", r"siehe\s+auch",
    r"lees\s+ook", r"zie\s+ook", r"baca\s+juga", r"ilgili\s+haber(?:ler)?", r"ayrıca\s+okuyun",
]
_SEPARATOR = r"\s*(?:[:：»›>|–—-]+|\.{3}|…)?\s*"
_LABEL = re.compile(r"^[\W_]{0,3}(?:" + "|".join(_LABELS) + r")" + _SEPARATOR, re.IGNORECASE)
# A block that is only a label (its links follow in the next block).
_LABEL_ONLY = re.compile(r"^[\W_]{0,3}(?:" + "|".join(_LABELS) + r")" + _SEPARATOR + r"$",
                         re.IGNORECASE)
# Blocks that can hold such a line; the innermost one that holds the label is dropped.
_BLOCKS = ("p", "div", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "aside")
_TEXT = XPath("string()", smart_strings=False)
# Text nodes with their parent reachable (``getparent``): smart strings.
_TEXT_NODES = XPath("//body//text()[normalize-space()]")
_LINK_TEXT = XPath(".//a[@href and not(starts-with(@href, '#'))]//text()", smart_strings=False)
# The text after the label is mostly link text: at least this share of it (an article's
# sentence that starts "Related: the minister said…" has no or few links).
LINKED_SHARE = 0.6
# A read-also block is short: a label and one or two headlines.
MAX_WORDS = 60


def _norm(text: str) -> str:
    return " ".join(text.split())


def _linked_share(element: HtmlElement, rest: str) -> float:
    rest_chars = len("".join(rest.split()))
    if not rest_chars:
        return 0.0
    linked = len("".join("".join(_LINK_TEXT(element)).split()))
    return min(1.0, linked / rest_chars)


def _all_links(element: HtmlElement) -> bool:
    text = _norm(_TEXT(element))
    return bool(text) and _linked_share(element, text) >= LINKED_SHARE


def _head(block: HtmlElement, size: int = 60) -> str:
    """The first ``size`` characters or so of a block's text, read lazily (blocks can be big)."""
    parts, length = [], 0
    for chunk in block.itertext():
        parts.append(chunk)
        length += len(chunk)
        if length >= size:
            break
    return _norm("".join(parts))


def _block_of(node: HtmlElement) -> HtmlElement | None:
    """The innermost block (``_BLOCKS``) holding ``node``, itself included."""
    for element in (node, *node.iterancestors()):
        if element.tag in _BLOCKS:
            return element
    return None


def remove_read_also(root: HtmlElement) -> int:
    """Drop "read also" blocks from ``root`` in place; returns how many went."""
    doomed: list[HtmlElement] = []
    # Text nodes that open with a label, then their block: one regex per text node, where
    # testing every block's opening text cost four times as long.
    for chunk in _TEXT_NODES(root):
        if not _LABEL.match(chunk.lstrip()):
            continue
        owner = chunk.getparent()
        if owner is not None and chunk.is_tail:
            owner = owner.getparent()  # a tail belongs to the element's parent
        block = _block_of(owner) if owner is not None else None
        if block is None or block in doomed or not _LABEL.match(_head(block)):
            continue  # the label does not open its block
        text = _norm(_TEXT(block))
        if len(text.split()) > MAX_WORDS:
            continue
        label = _LABEL.match(text)
        rest = text[label.end():] if label else ""
        if rest and _linked_share(block, rest) >= LINKED_SHARE:
            doomed.append(block)
        elif _LABEL_ONLY.match(text):
            following = block.getnext()
            if following is not None and isinstance(following.tag, str) and _all_links(following):
                doomed += [block, following]
    for element in doomed:
        if element.getparent() is not None:
            drop_element(element)
    return len(doomed)
