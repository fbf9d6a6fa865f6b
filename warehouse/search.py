"""Full-text search over article titles and texts (DuckDB fts, BM25).

The fts extension is loaded from the ``duckdb-extension-fts`` wheel (``import_extension``), never
downloaded: ``INSTALL fts`` needs the internet. The index does not follow inserts, so the flow
rebuilds it after a load (``build_search_index``; about 9 s per 20k articles).

One index serves French, Arabic and English articles: fts takes a single stemmer for the whole
index, not one per row. We use the French Snowball stemmer (most outlets write French; it only
rewrites Latin-script suffixes, so Arabic tokens pass through unchanged and English ones are
stemmed a little less well), strip accents (``elections`` finds ``élections``; Arabic hamza
forms fold together) and tokenize on any non letter/digit so Arabic script is indexed at all.

From plain SQL (DuckDB CLI or any client, after ``LOAD fts``): ``SELECT * FROM
search_articles('Bourita')`` or ``search_articles('الصحراء', max_results := 5)``.
"""

from __future__ import annotations

from typing import Any

import duckdb
from duckdb_extensions import import_extension

from warehouse.queries import sql


class SearchIndexMissing(RuntimeError):
    """No fts index yet: build it with a read-write connection."""


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension from its PyPI wheel (offline)."""
    import_extension("fts", con=con)


def build_search_index(con: duckdb.DuckDBPyConnection) -> None:
    """Create or rebuild the index over ``articles(title, text)``, and the SQL table macro
    ``search_articles(query_string, max_results := 20)`` that reads it; needs a read-write
    connection."""
    load_fts(con)
    con.execute(sql("create_search_index"))
    con.execute(sql("create_search_macro"))


def search_articles(
    con: duckdb.DuckDBPyConnection, query: str, limit: int = 20
) -> list[dict[str, Any]]:
    """Best BM25 matches for ``query`` (words are OR-ed; accents and case ignored).

    Returns:
        Dicts with ``article_id, outlet, title, canonical_url, published_at, score``, best first.

    Raises:
        SearchIndexMissing: ``build_search_index`` has not run on this database.
    """
    load_fts(con)
    if not con.execute(sql("select_search_index_exists")).fetchone()[0]:
        raise SearchIndexMissing(
            "no full-text index: run `python -m warehouse reindex` (or build_search_index)"
        )
    cursor = con.execute(sql("search_articles"), {"query": query, "limit": limit})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
