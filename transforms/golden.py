"""The golden record (Fundus style): the fields of an extracted ``Article`` that any correct
extractor must give, in the form the golden files store them.

``golden_record`` is what ``scripts/generate_golden.py`` writes to each outlet's
``expected.json`` and what the golden test compares the extractor's output with; reading and
writing the golden files themselves is ``tests.support.golden``'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from transforms.record import Article

# What any correct extractor must produce: no extractor name, no word count, no free-text
# description whose wording is the outlet's choice.
GOLDEN_FIELDS = (
    "authors", "canonical_url", "categories", "language", "original_outlet",
    "original_published_at", "original_url", "paragraphs", "published_at", "tags", "title",
    "verdict",
)


def golden_record(article: Article) -> dict[str, Any]:
    """The golden fields of ``article``, JSON-ready, keys sorted, empty values left out."""
    data = article.model_dump(mode="python", include=set(GOLDEN_FIELDS))
    record: dict[str, Any] = {}
    for key in sorted(data):
        value = data[key]
        if isinstance(value, datetime):
            value = value.isoformat()
        elif hasattr(value, "value"):  # Verdict
            value = value.value
        if value in (None, "", [], {}):
            continue
        record[key] = value
    return record
