"""Exact-match scoring of title, author and date against a corpus's ground truth.

Used by the corpus benchmark (WCXB's ``ground_truth.{title, author, publish_date}``) for our
records and for bare trafilatura's metadata alike, so both are judged by the same rules:

* **exact** means equal after ``normalise``: Unicode NFKC, case folded, typographic quotes and
  dashes made plain, whitespace collapsed, punctuation and spaces trimmed at both ends. Nothing
  else is forgiven: a title with the site's name left on, or "By Jane Doe", does not match.
* **title**: the normalised strings are equal.
* **author**: the truth is one string ("A, B and C", "Jane Doe, MD"); ours is a list (bare
  trafilatura's "A; B" string is split on ";"). They match when the joined list equals the truth
  string, or when both, split into names (``name_set``: commas, semicolons, "&", "/", and the
  conjunctions "and", "und", "et", "y", "e", "و"), give the same set. The first rule lets a
  name with credentials ("Jane Doe, MD", kept whole) match; the second lets order and the
  separator differ.
* **date**: the same calendar day, the day as the page wrote it (a ``datetime`` in its own
  offset, not converted to UTC; a string: its first ten characters, ISO ``YYYY-MM-DD``).

Pages whose truth is missing (None or empty) are **excluded** from that field's score
(``MatchCounts.with_truth`` is the denominator); what an extractor outputs on them is counted
apart (``MatchCounts.spurious``: a value where the truth says there is none), since a site name
given as an author on a page without a byline is an error a reader sees.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

_PLAIN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u200b": "", "\u200e": "", "\u200f": "",
})
_EDGE = " \t\n.,;:!?-–—|·•\"'«»“”‘’()[]"
_NAME_SPLIT = re.compile(
    r"\s*(?:[,;&/،]\s*(?:(?:and|und|et|y|e|و)\s+)?|\s(?:and|und|et|y|e|و)\s)\s*", re.IGNORECASE
)


def normalise(value: str | None) -> str:
    """The form two values are compared in (see the module docstring)."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value).translate(_PLAIN).casefold()
    return " ".join(text.split()).strip(_EDGE)


def name_set(names: str | Iterable[str] | None) -> frozenset[str]:
    """Normalised single names from a byline string or a list of bylines."""
    if not names:
        return frozenset()
    items = [names] if isinstance(names, str) else list(names)
    found = {normalise(part) for item in items for part in _NAME_SPLIT.split(f" {item} ")}
    return frozenset(found - {""})


def title_matches(ours: str | None, truth: str | None) -> bool:
    """Equal after ``normalise``; never true for an empty output."""
    return bool(normalise(ours)) and normalise(ours) == normalise(truth)


def author_matches(ours: str | Iterable[str] | None, truth: str | None) -> bool:
    """The joined list equals the truth string, or both name sets are equal (and not empty)."""
    names = [ours] if isinstance(ours, str) else list(ours or [])
    if not names or not normalise(truth):
        return False
    if normalise(", ".join(names)) == normalise(truth):
        return True
    return name_set(names) == name_set(truth)


def day_of(value: str | date | datetime | None) -> date | None:
    """The calendar day a value names, in its own offset; None when it names none."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def date_matches(ours: str | date | datetime | None, truth: str | date | None) -> bool:
    """Same calendar day."""
    day = day_of(ours)
    return day is not None and day == day_of(truth)


def has_truth(value: str | None) -> bool:
    """Whether a truth value counts (present and not blank)."""
    return bool(value and str(value).strip())


@dataclass
class MatchCounts:
    """One field's tally over a corpus: ``exact / with_truth`` is its score."""

    exact: int = 0
    with_truth: int = 0
    spurious: int = 0  # a value output on a page whose truth has none
    without_truth: int = 0

    def add(self, matched: bool, truth_present: bool, output_present: bool) -> None:
        """Count one page."""
        if truth_present:
            self.with_truth += 1
            self.exact += matched
        else:
            self.without_truth += 1
            self.spurious += output_present

    @property
    def score(self) -> float:
        """Exact matches over pages with truth (0.0 when none has truth)."""
        return self.exact / self.with_truth if self.with_truth else 0.0


@dataclass
class MetadataScore:
    """Title, author and date tallies for one system on one corpus."""

    title: MatchCounts
    author: MatchCounts
    date: MatchCounts

    @classmethod
    def empty(cls) -> MetadataScore:
        """All counts zero."""
        return cls(MatchCounts(), MatchCounts(), MatchCounts())

    def add(
        self,
        ours: tuple[str | None, str | Iterable[str] | None, str | date | datetime | None],
        truth: tuple[str | None, str | None, str | None],
    ) -> None:
        """Score one page: ``ours`` and ``truth`` are (title, author(s), date)."""
        title, authors, published = ours
        t_title, t_author, t_date = truth
        self.title.add(title_matches(title, t_title), has_truth(t_title), bool(normalise(title)))
        author_list = [authors] if isinstance(authors, str) else list(authors or [])
        self.author.add(
            author_matches(author_list, t_author), has_truth(t_author), bool(name_set(author_list))
        )
        self.date.add(
            date_matches(published, t_date), has_truth(t_date), day_of(published) is not None
        )
