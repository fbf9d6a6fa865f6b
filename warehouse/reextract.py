"""Reading stored raw pages back for re-extraction (``flows/reextract.py``)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from warehouse.queries import sql

_FETCH = 64  # rows per fetch: bodies are large, never hold the whole table in memory


@dataclass(frozen=True)
class StoredPage:
    """One stored fetch, body decompressed, with the article row its last extraction made."""

    outlet: str
    url: str
    final_url: str | None
    status: int | None
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime
    sources: list[str] = field(default_factory=list)
    page_run_id: str = ""
    extractor_version: str | None = None
    article_id: str | None = None
    article_title: str | None = None
    article_content_hash: str | None = None


def pages_for_reextract(
    con: duckdb.DuckDBPyConnection,
    version: str,
    *,
    outlets: Iterable[str] | None = None,
    only_older_versions: bool = True,
) -> Iterator[StoredPage]:
    """Stored pages whose latest extraction was made by another extractor version.

    Args:
        con: a warehouse connection (read-only is enough).
        version: the current extractor version.
        outlets: only these outlet ids; ``None`` for all.
        only_older_versions: ``False`` re-extracts every URL's latest fetch whatever its version.

    Returns:
        Pages by outlet and URL, streamed (one fetch of the latest stored copy per URL).
    """
    wanted = sorted(outlets) if outlets is not None else []
    params = {"all_outlets": outlets is None, "outlets": wanted or [""], "version": version,
              "only_older": only_older_versions}
    cursor = con.execute(sql("reextract", "select_pages_for_reextract"), params)
    names = [d[0] for d in cursor.description]
    while rows := cursor.fetchmany(_FETCH):
        for row in rows:
            data = dict(zip(names, row, strict=True))
            headers = data["headers"]
            data["headers"] = json.loads(headers) if isinstance(headers, str) else headers or {}
            data["body"] = zlib.decompress(data["body"]) if data["body"] is not None else b""
            data["sources"] = list(data["sources"] or [])
            yield StoredPage(**data)
