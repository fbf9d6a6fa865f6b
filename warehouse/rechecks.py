"""Which stored articles to re-check tonight for edits after publication (issue 14).

GDELT measures 15 % of online news articles changing within 24 hours of publication and 18 %
within a week. An outlet whose sitemaps carry a ``lastmod`` tells us itself (the crawl's
``known_file``); for the others, each article is fetched again about one day and one week after
publication (``RECHECK_AFTER``), conditionally: with the ``ETag``/``Last-Modified`` of our last
fetch, an unchanged page costs a 304 and no body. At most ``RECHECKS_PER_OUTLET`` a night per
outlet (earliest mark first, newest first), so the cost stays bounded however much is stored;
an article not reached at its one-day mark is still re-checked at its one-week mark. A changed
page is loaded as any other fetch: a new ``article_versions`` row and a ``version_changes`` row
saying what changed. The file the crawl reads: ``khabar/run/state.py`` (``recheck/``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import duckdb

from warehouse.queries import sql

RECHECK_AFTER = (timedelta(days=1), timedelta(days=7))
# Per outlet and night. An outlet publishing 100 articles a day has ~200 due a night; at the
# production politeness (about one request a second per outlet) 100 cost under two minutes.
RECHECKS_PER_OUTLET = 100


def due_rechecks(
    con: duckdb.DuckDBPyConnection,
    outlet: str,
    now: datetime,
    *,
    after: tuple[timedelta, ...] = RECHECK_AFTER,
    limit: int = RECHECKS_PER_OUTLET,
) -> dict[str, dict[str, Any]]:
    """The outlet's stored articles due for a re-check at ``now``, as a recheck file holds them.

    Returns:
        ``{canonical URL: {"etag", "last_modified", "due"}}`` in priority order (``due``: the
        mark passed, e.g. ``"1 day"``); validators are those of our latest fetch (or None).
    """
    hours = sorted(round(mark.total_seconds() / 3600) for mark in after)
    rows = con.execute(sql("rechecks", "select_due_rechecks"), {
        "outlet": outlet, "now": now, "marks": hours, "horizon": 2 * hours[-1],
        "limit": limit,
    }).fetchall()
    return {url: {"etag": etag, "last_modified": last_modified, "due": _mark(mark)}
            for url, mark, etag, last_modified in rows}


def _mark(hours: int) -> str:
    days, rest = divmod(hours, 24)
    if rest:
        return f"{hours} hours"
    return f"{days} day" + ("s" if days != 1 else "")
