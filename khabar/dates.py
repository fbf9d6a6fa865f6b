"""Dates as feeds, sitemaps and our own state files write them (one parser for all of them).

The crawl reads feed and sitemap dates with it, and the run folder's state files
(``khabar.run.state``: known articles' last fetch, validators' ``fetched_at``) are read back
with it too, so a date a source gave and one we wrote compare alike.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime


def parse_date(value: str | None) -> datetime | None:
    """A feed or sitemap date: W3C/ISO 8601 (``2026-11-23``, ``2026-11-23T10:00:00+01:00``,
    ``...Z``) or RFC 822 (``Sun, 23 Nov 2026 10:00:00 +0000``). Naive results stay naive.

    Returns:
        The datetime, or None when ``value`` is empty or unparseable.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
