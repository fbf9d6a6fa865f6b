"""What changed between two versions of an article, readable by a person (difflib)."""

from __future__ import annotations

import difflib
import re

# Sentences are the unit a reader compares: a corrected figure shows as one sentence removed and
# one added, not as a wall of changed characters.
_SENTENCE = re.compile(r"(?<=[.!?؟…])\s+|\n+")


def sentences(text: str | None) -> list[str]:
    """The text's sentences (and paragraph breaks), stripped, empty ones left out."""
    return [s.strip() for s in _SENTENCE.split(text or "") if s.strip()]


def text_changes(before: str | None, after: str | None) -> tuple[list[str], list[str], str]:
    """(sentences removed, sentences added, unified diff of the sentences) from before to after."""
    old, new = sentences(before), sentences(after)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed += old[i1:i2]
        if tag in ("replace", "insert"):
            added += new[j1:j2]
    diff = "\n".join(difflib.unified_diff(old, new, "before", "after", n=1, lineterm=""))
    return removed, added, diff
