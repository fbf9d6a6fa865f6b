"""Text of an element cut into lines where the page breaks them (block elements, <br>).

``itertext`` glues "Harry Rabinowitz" and, in its own block, "Tech Reporter" into one line, and
a tweet's paragraphs into one; bylines (``transforms.authors``) and embedded posts
(``transforms.embeds``) need those boundaries.
"""

from __future__ import annotations

from lxml.html import HtmlElement

# Elements that start a new line.
BLOCKS = frozenset({
    "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "ol", "p", "section", "table",
    "td", "th", "time", "tr", "ul",
})
_SKIPPED = frozenset({"script", "style", "svg", "noscript", "template"})


def block_lines(element: HtmlElement, *, space_inline: bool = False) -> list[str]:
    """The non-empty lines of ``element``'s text, spaces collapsed within each line.

    ``space_inline``: a space around inline children too (a byline's "Huberty<sup>1</sup>" is
    "Huberty 1"); off, inline markup joins as written (a tweet's "#<a>Browns</a>").
    """
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in _SKIPPED:
                edge = "\n" if child.tag in BLOCKS else (" " if space_inline else "")
                parts.append(edge)
                walk(child)
                parts.append(edge)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]
