"""HTTP cache validators (ETag, Last-Modified) of feeds and sitemaps, kept between runs.

A crawl writes, per outlet, the validators it saw (``RunFolder.crawl_validators_file``):
``{url: {"etag", "last_modified", "fetched_at"}}`` for each feed or sitemap that answered with a
validator (format: ``khabar.run.state``). :func:`load_validators` merges them into
``http_validators`` (migration 0013); before the next crawl the flow writes
:func:`validators_for` of each outlet to the crawl's ``validators_file``.

Write disposition: **merge** on (outlet, url); a row is replaced only by one fetched at the same
time or later, so loading a run twice, or an older run after a newer one, changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from khabar.run.layout import RunFolder, outlet_of
from warehouse.lake import write_lock
from warehouse.queries import sql

_SCHEMA = pa.schema([
    ("outlet", pa.string()),
    ("url", pa.string()),
    ("etag", pa.string()),
    ("last_modified", pa.string()),
    ("fetched_at", pa.timestamp("us", tz="UTC")),
    ("run_id", pa.string()),
])


def load_validators(con: duckdb.DuckDBPyConnection, run_id: str, run_dir: Path | str) -> int:
    """Merge a run's validators files into ``http_validators`` in one statement.

    Args:
        con: a read-write warehouse connection (the caller owns any enclosing transaction).
        run_id: the run that wrote the files (stamped on the rows).
        run_dir: the run folder (its crawls' validators files).

    Returns:
        Number of (outlet, url) rows offered to the merge.

    Raises:
        ValueError: a file is not a JSON object of objects, or has an entry without a valid
            ``fetched_at``.
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for path in RunFolder(Path(run_dir)).crawl_validators_files():
        outlet = outlet_of(path)
        for url, entry in _read(path).items():
            rows[(outlet, url)] = {
                "outlet": outlet,
                "url": url,
                "etag": _text(entry.get("etag")),
                "last_modified": _text(entry.get("last_modified")),
                "fetched_at": _instant(entry.get("fetched_at"), path, url),
                "run_id": run_id,
            }
    if not rows:
        return 0
    con.register("validator_rows", pa.Table.from_pylist(list(rows.values()), schema=_SCHEMA))
    try:
        with write_lock(con):  # on a DuckLake, writers take turns (warehouse.lake)
            con.execute(sql("validators", "upsert_validators"))
    finally:
        con.unregister("validator_rows")
    return len(rows)


def validators_for(con: duckdb.DuckDBPyConnection, outlet: str) -> dict[str, dict[str, Any]]:
    """The stored validators of ``outlet``: ``{url: {"etag", "last_modified", "fetched_at"}}``,
    ``fetched_at`` as ISO 8601 UTC; ``json.dump`` it as the crawl's ``validators_file``."""
    found = {}
    for url, etag, last_modified, fetched_at in con.execute(
            sql("validators", "select_validators"), {"outlet": outlet}).fetchall():
        found[url] = {
            "etag": etag,
            "last_modified": last_modified,
            "fetched_at": fetched_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }
    return found


def _read(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{path} must be a JSON object of objects (url → validators)")
    return data


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _instant(value: object, path: Path, url: str) -> datetime:
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{path}: {url} has no valid fetched_at ({value!r})") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def known_fetches(con: duckdb.DuckDBPyConnection, outlet: str) -> dict[str, str]:
    """``{canonical URL: last fetched (ISO 8601)}`` of an outlet's stored articles, the crawler's
    ``known_file``: a known article is fetched again only when its sitemap or feed says it
    changed after that time."""
    rows = con.execute(sql("validators", "select_known_fetches"), {"outlet": outlet}).fetchall()
    return {url: fetched.isoformat() for url, fetched in rows if fetched is not None}
