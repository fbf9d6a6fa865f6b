"""The real-page corpora (ScrapingHub, WCXB dev) for the tests that read them: where they are,
and the skip with a clear reason where they are not (a user's clone has no ../shared)."""

from __future__ import annotations

import pytest

from bench.corpora import FETCH, datasets_folder

FOLDER = datasets_folder()
needs_corpora = pytest.mark.skipif(
    FOLDER is None,
    reason="real-page corpora not found (../shared/datasets or $KHABAR_DATASETS); fetch them "
    "with:\n" + FETCH,
)
