"""A made-up extractor change for the re-extraction tests: a new version that drops the last
paragraph of every article of five or more, so exactly the long articles change."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from transforms import extract as extract_module

LONG_PARAGRAPHS = 5


def shorten_long_articles(monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    """Make ``extract_article`` report ``version`` and drop long articles' last paragraph."""
    original: Callable[..., list] = extract_module.drop_learned

    def drop_last_of_long(paragraphs, learned, title):  # type: ignore[no-untyped-def]
        kept = original(paragraphs, learned, title)
        return kept[:-1] if len(kept) >= LONG_PARAGRAPHS else kept

    monkeypatch.setattr(extract_module, "EXTRACTOR_VERSION", version)
    monkeypatch.setattr(extract_module, "drop_learned", drop_last_of_long)
