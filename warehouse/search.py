"""Full-text search over article titles and texts (DuckDB fts, BM25).

The fts extension is loaded from the ``duckdb-extension-fts`` wheel (``import_extension``), never
downloaded: ``INSTALL fts`` needs the internet.

One index serves French, Arabic and English articles: fts takes a single stemmer for the whole
index, not one per row. We use the French Snowball stemmer (most outlets write French; it only
rewrites Latin-script suffixes, so Arabic tokens pass through unchanged and English ones are
stemmed a little less well), strip accents (``elections`` finds ``élections``; Arabic hamza
forms fold together) and tokenize on any non letter/digit so Arabic script is indexed at all.

Keeping it current. ``PRAGMA create_fts_index`` builds plain tables in schema
``fts_main_articles`` (``docs``, ``terms``, ``dict``, ``stats``, ``fields``, ``stopwords``) and the
``match_bm25`` / ``tokenize`` macros that read them; it does not follow later inserts, and a
rebuild costs ~1 ms per article (20-35 s at 20k). So after a load, ``update_search_index``
(``after_load`` calls it) applies only what changed since the last update: it compares a hash of
each article's ``(title, text)`` with the one recorded when it was indexed (table
``fts_main_articles.indexed_articles``), deletes the terms and docs of articles that changed or
left, tokenizes and stems the new or changed ones with the index's own ``tokenize`` macro and
stemmer, and adjusts ``dict.df`` and ``stats`` (``apply_changes`` in
``warehouse/sql/search_index.sql``).
The tables then hold what a rebuild would hold (same terms per document, same lengths, same
document frequencies and statistics; only the opaque docids and termids differ), so BM25 scores
are the rebuild's (``tests/warehouse/test_search_incremental.py`` checks it). It falls back to the
full rebuild when there is no index, when the index was not built by ``build_search_index`` with the
current settings, DuckDB version and layout (``fts_main_articles.settings`` holds a fingerprint
of them), or when so much changed that rebuilding is cheaper. ``python -m warehouse reindex``
always rebuilds.

From plain SQL (DuckDB CLI or any client, after ``LOAD fts``): ``SELECT * FROM
search_articles('Bourita')`` or ``search_articles('الصحراء', max_results := 5)``.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any

import duckdb
from duckdb_extensions import import_extension

from warehouse.queries import one, sql

# Rebuild instead of updating when more than this share of the indexed articles changed (the
# update deletes and re-inserts; past ~this share a clean rebuild is as fast and leaves no holes).
FULL_REBUILD_SHARE = 0.25
# ... but never for fewer changes than this (small warehouses: the update is always cheap).
FULL_REBUILD_MIN_CHANGES = 2_000
# Bump when the meaning of Khabar's bookkeeping tables changes: forces one rebuild.
STATE_FORMAT = "1"

# The fts tables the incremental update reads and writes, as PRAGMA create_fts_index (DuckDB
# 1.5.5's fts) creates them: "table.column" -> type.
EXPECTED_COLUMNS = {
    "dict.termid": "BIGINT", "dict.term": "VARCHAR", "dict.df": "BIGINT",
    "docs.docid": "BIGINT", "docs.name": "VARCHAR", "docs.len": "BIGINT",
    "fields.fieldid": "BIGINT", "fields.field": "VARCHAR",
    "stats.num_docs": "BIGINT", "stats.avgdl": "DOUBLE",
    "stopwords.sw": "VARCHAR",
    "terms.docid": "BIGINT", "terms.fieldid": "BIGINT", "terms.termid": "BIGINT",
}
STATE_TABLES = ("indexed_articles", "settings")
FIELDS = [(0, "title"), (1, "text")]
_STEMMER = re.compile(r"stem\(unnest\(fts_main_articles\.tokenize\(query_string\)\), '(\w+)'\)")


class SearchIndexMissing(RuntimeError):
    """No fts index yet: build it with a read-write connection."""


@dataclass
class IndexUpdate:
    """What ``update_search_index`` did.

    Attributes:
        mode: ``"incremental"`` or ``"full"`` (a rebuild).
        reason: why a rebuild (empty for an incremental update).
        removed: index documents dropped (articles deleted or changed); 0 for a rebuild.
        added: articles (re)indexed; for a rebuild, every article.
        seconds: wall time.
    """

    mode: str
    reason: str = ""
    removed: int = 0
    added: int = 0
    seconds: float = 0.0


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension from its PyPI wheel (offline)."""
    import_extension("fts", con=con)


def build_search_index(con: duckdb.DuckDBPyConnection) -> None:
    """Create or rebuild the index over ``articles(title, text)`` from scratch, record what it
    holds (for later incremental updates), and create the SQL table macro
    ``search_articles(query_string, max_results := 20)`` that reads it; needs a read-write
    connection."""
    load_fts(con)
    con.execute(sql("search_index", "create_search_index"))
    con.execute(sql("search_index", "create_search_macro"))
    _run_script(con, sql("search_index", "create_state"),
                {"fingerprint": _fingerprint(con)})


def update_search_index(con: duckdb.DuckDBPyConnection) -> IndexUpdate:
    """Bring the index up to date with ``articles``: incrementally when it can (see the module
    docstring), else by ``build_search_index``; needs a read-write connection.

    Returns:
        What was done, and why a rebuild if it was one.
    """
    started = time.perf_counter()
    load_fts(con)
    reason = _why_not_incremental(con)
    if not reason:
        con.begin()
        try:
            removed, added, reason = _apply_changes(con)
        except duckdb.Error as exc:  # never leave the night without an index: rebuild
            reason = f"incremental update failed: {exc}"
        except BaseException:
            con.rollback()
            raise
        if reason:
            con.rollback()
        else:
            con.commit()
            # Always (re)created, cheaply: a macro made by an older version of
            # search_index.sql:create_search_macro would otherwise live on (migration 0015 added
            # a column).
            con.execute(sql("search_index", "create_search_macro"))
            return IndexUpdate("incremental", "", removed, added, time.perf_counter() - started)
    build_search_index(con)
    count = one(con, "search_index", "count_docs")[0]
    return IndexUpdate("full", reason, 0, count, time.perf_counter() - started)


def _apply_changes(con: duckdb.DuckDBPyConnection) -> tuple[int, int, str]:
    """Inside the caller's transaction: find the changes and apply them unless a rebuild is
    better. Returns (removed, added, reason not to); the caller commits or rolls back."""
    _run_script(con, sql("search_index", "stage_changes"))
    removed, added, indexed, tracked = one(con, "search_index", "count_changes")
    limit = max(FULL_REBUILD_MIN_CHANGES, FULL_REBUILD_SHARE * indexed)
    if tracked != indexed:
        return removed, added, f"bookkeeping out of step ({tracked} tracked, {indexed} indexed)"
    if removed + added > limit:
        return removed, added, f"{removed + added:,} changes (> {limit:,.0f}): a rebuild is cheaper"
    if removed or added:
        _run_script(con, sql("search_index", "apply_changes"),
                    {"stemmer": _stemmer(con)})
    _run_script(con, sql("search_index", "drop_changes"))
    return removed, added, ""


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
    if not one(con, "search_index", "select_index_exists")[0]:
        raise SearchIndexMissing(
            "no full-text index: run `python -m warehouse reindex` (or build_search_index)"
        )
    cursor = con.execute(sql("search_index", "search_articles"), {"query": query, "limit": limit})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _layout(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(sql("search_index", "select_layout")).fetchall()


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """The index's settings, the code that updates it, DuckDB's version and the extension's
    tables and macros as built: an index only gets incremental updates while all are the same."""
    digest = hashlib.sha256()
    for part in (STATE_FORMAT, duckdb.__version__, sql("search_index", "create_search_index"),
                 sql("search_index", "apply_changes")):
        digest.update(part.encode() + b"\0")
    for row in _layout(con):
        if row[1].split(".")[0] not in STATE_TABLES:
            digest.update("\x1f".join(row).encode() + b"\0")
    return digest.hexdigest()


def _why_not_incremental(con: duckdb.DuckDBPyConnection) -> str:
    """Empty if the index can be updated in place, else why it must be rebuilt."""
    if not one(con, "search_index", "select_index_exists")[0]:
        return "no index yet"
    layout = _layout(con)
    columns = {name: kind for what, name, kind in layout if what == "table"}
    missing = [c for c, kind in EXPECTED_COLUMNS.items() if columns.get(c) != kind]
    if missing:
        return f"unexpected fts layout ({', '.join(missing)})"
    if any(f"{t}." not in " ".join(columns) for t in STATE_TABLES):
        return "index not built by build_search_index (no bookkeeping tables)"
    macros = {name for what, name, _ in layout if what == "macro"}
    if not {"match_bm25", "tokenize"} <= macros:
        return "fts macros missing"
    if _stemmer(con) is None:
        return "cannot read the index's stemmer"
    fields = con.execute(sql("search_index", "select_fields")).fetchall()
    if fields != FIELDS:
        return f"unexpected indexed fields {fields}"
    stored = con.execute(sql("search_index", "select_fingerprint")).fetchall()
    if stored != [(_fingerprint(con),)]:
        return "index settings, DuckDB version or update code changed since the index was built"
    return ""


def _stemmer(con: duckdb.DuckDBPyConnection) -> str | None:
    for what, name, definition in _layout(con):
        if what == "macro" and name == "match_bm25":
            found = _STEMMER.search(definition or "")
            return found.group(1) if found else None
    return None


def _run_script(con: duckdb.DuckDBPyConnection, script: str,
                params: dict[str, Any] | None = None) -> None:
    """Run the statements of ``script`` (a section of ``search_index.sql`` holding several) one
    by one, each given the parameters it names."""
    text = "\n".join(line for line in script.splitlines()
                     if not line.lstrip().startswith("--"))
    for statement in re.split(r";\s*(?:\n|$)", text):
        if statement.strip():
            wanted = {k: v for k, v in (params or {}).items() if f"${k}" in statement}
            con.execute(statement, wanted or None)
