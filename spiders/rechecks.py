"""Re-checks of stored articles for edits after publication (issue 14), the crawl's side.

GDELT measures 15 % of online news articles changing within 24 hours of publication and 18 %
within a week; an outlet whose sitemaps give a ``lastmod`` says so itself (``known_file``), the
others do not. The flow lists, per outlet and night, the stored articles due for a re-check
(``warehouse.rechecks``: about one day and one week after publication) in a ``recheck_file``:

    {"<canonical URL>": {"etag": "...", "last_modified": "...", "due": "1 day"}, ...}

(``etag``/``last_modified`` of our last fetch of the page, either may be null; ``due`` is for
people). The spider requests each conditionally (``If-None-Match``/``If-Modified-Since``): a 304
costs no body and stores nothing; a 200 is stored as any article page, and the warehouse keeps
a new version when the text changed. A URL that a sitemap listed tonight with a ``lastmod`` is
not re-checked: the ``lastmod`` already says whether it changed (``known_file``). No Scrapy
import: plain files and functions.
"""

from __future__ import annotations

from pathlib import Path

from khabar.urls import try_canonical_url
from spiders.incremental import Validators, read_validators_file


def read_recheck_file(path: Path | str) -> dict[str, Validators]:
    """``{canonical URL: validators of our last fetch}`` from a recheck file.

    Raises:
        ValueError: the file is not a JSON object of objects.
    """
    found = {}
    for url, validators in read_validators_file(path).items():
        canonical = try_canonical_url(url)
        if canonical:
            found[canonical] = Validators(etag=validators.etag,
                                          last_modified=validators.last_modified)
    return found
