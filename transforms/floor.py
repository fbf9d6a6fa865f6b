"""The extraction floor: the stored body is never much poorer than trafilatura's on the untouched
page.

Our furniture rules run before trafilatura, on the parsed page, and a rule that misfires (an
unclosed <aside> swallowing the page, a page builder naming every text block "widget") deletes
the article before trafilatura sees it. Running trafilatura a second time on every page would
cost as much again, so the second run happens only on cheap evidence that the first body may
be poorer than it should (``check_reason``), and its body replaces ours only when it is clearly
richer (``prefer_untouched``). Each replacement is recorded in the record's ``reason``.

Measured on ScrapingHub (181 articles) and WCXB's dev split (1,497 pages), with the prose
guard of ``boilerplate.remove_boilerplate_nodes`` in place. The second pass pays off when the
furniture rules removed more prose than the body kept: checking when they removed at least 1.5
times the body's characters (and 500 or more) runs it on 8 % of ScrapingHub's pages, 3.5 % of
WCXB's articles and 27 % of its other pages (listings, shops: short bodies, much furniture), and
keeps 46 of the 51 replacements that checking at 1 time the body and on every body under 60 words
made, which ran it on 16 %, 6 % and 37 %. An empty body is always checked (trafilatura failing
on our tree). The replacement ratio (1.1 to 1.5) moved F1 by less than 0.001.

The second pass is skipped when the rules it does not apply (``Removal.weak_prose_removed``)
removed less than ``UNTOUCHED_RATIO - 1`` times the body: on ScrapingHub and a 300-page WCXB
sample, 8 of 57 second passes, none of which replaced the body. Finer bounds tried (only the
prose removed from inside trafilatura's body container) would have skipped 20 but lost 5 of the
16 replacements: trafilatura's fallbacks read the whole page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from transforms.boilerplate import Removal
from transforms.listing import LONG_PARAGRAPH_WORDS
from transforms.verdict import TOO_SHORT_WORDS, word_units

# The untouched page's body replaces ours when it has this many times our words.
UNTOUCHED_RATIO = 1.3
# Check when the furniture rules removed at least this many characters of prose per character of
# body we kept, and at least ``REMOVED_PROSE_MIN`` characters.
REMOVED_PROSE_RATIO = 1.5
REMOVED_PROSE_MIN = 500


def check_reason(words: int, body_chars: int, removal: Removal, narrowed: bool) -> str | None:
    """Why trafilatura should also run on the untouched page, or None.

    Args:
        words: words of our body (``verdict.word_units``).
        body_chars: characters of our body, whitespace not counted (the unit of
            ``Removal.prose_removed``).
        removal: what the furniture rules removed.
        narrowed: a registry ``body_selector`` chose the body: the outlet's entry is strong
            evidence, so only a short body (a selector the site no longer matches) is checked.
    """
    if words == 0:
        return "empty body"
    if narrowed:
        return f"{words} words of body" if words < TOO_SHORT_WORDS else None
    removed = removal.prose_removed
    if removed < REMOVED_PROSE_MIN or removed < REMOVED_PROSE_RATIO * body_chars:
        return None
    # The untouched page gives back at most the prose of the rules it does not apply: below
    # this bound its body cannot reach ``UNTOUCHED_RATIO`` times ours.
    back = removal.weak_prose_removed
    if back < (UNTOUCHED_RATIO - 1) * body_chars:
        return None
    return (f"furniture rules removed {removed} characters of prose ({back} that the untouched "
            f"page keeps), the body holds {body_chars}")


def prefer_untouched(ours_words: int, untouched_words: int, untouched: Sequence[str],
                     evidence: bool) -> bool:
    """Whether the untouched page's body (``untouched``, its paragraphs, of ``untouched_words``
    words) is clearly richer than ours.

    On a page without article evidence (``verdict.article_evidence``) it must not be
    fragments (``fragments``): there, a body of fragments is the page's furniture, not an
    article the furniture rules deleted (WCXB dev: a university ranking's rows, 104 paragraphs
    of 3 words on average, one ending like a sentence, and a rental shop's category lines, 33
    paragraphs, 11 ending like a sentence: both listing pages stored as articles before; also
    a forum thread's menus; no article of WCXB or ScrapingHub)."""
    if not evidence and fragments(untouched):
        return False
    return untouched_words > UNTOUCHED_RATIO * ours_words


# A sentence's end: its punctuation, then closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?؟。…][\"'”’»)\]]*\s*$")
# Prose ends its paragraphs like sentences; menus, table rows and lists of names do not.
SENTENCE_SHARE = 0.5


def fragments(paragraphs: Sequence[str]) -> bool:
    """No paragraph of prose (``LONG_PARAGRAPH_WORDS``) and fewer than ``SENTENCE_SHARE`` of
    the paragraphs ending like a sentence. News written in one-sentence paragraphs (much English
    and Arabic news has no 40-word paragraph) ends them with a full stop."""
    if any(word_units(p) >= LONG_PARAGRAPH_WORDS for p in paragraphs):
        return False
    ends = sum(1 for p in paragraphs if _SENTENCE_END.search(p))
    return ends < SENTENCE_SHARE * len(paragraphs)
