"""Loading one run folder into the warehouse, and the run bookkeeping around it.

Write dispositions (as dlt declares them), which is what makes ``load_run`` idempotent:

* ``pages``, ``fetches``, ``extractions``, ``article_versions``: **replace by run** (delete the
  run's rows, insert them again);
* ``articles``, ``article_signatures``: **merge** on ``article_id`` (a hash of the canonical URL);
  a fetch older than the stored one never overwrites it;
* ``articles.duplicate_of``, ``articles.story_id``, ``stories``: **recomputed** after each load
  for the articles the load touched and the stories they reach, so they do not depend on load
  order (the story graph, ``story_features``, ``story_keys`` and ``story_links``, is brought up
  to date for those articles: see ``warehouse.stories``); only rows whose value changes are
  written.

Everything happens in one transaction: a load killed half way leaves nothing, and downstream
queries never see a partial run. Runs are expected to be loaded in fetch order; reloading any
run (the latest or an older one) with the same files gives the tables of a single clean load,
and reloading it with *fewer* pages removes what the dropped pages had contributed (articles only
that run saw are deleted; articles other runs saw too fall back to those runs' title and text).

Where the time goes, for speed: DuckDB reads the parquet files directly in each statement that
needs them (no staged copy of the night's text). Page bodies come compressed and hashed from the
extraction workers in ``pages.parquet`` and are inserted with one statement; a run folder whose
``pages.parquet`` is missing or was not made from its raw files as they are now (an older run,
raw files rewritten since) has its raw files read and compressed on other threads meanwhile
instead (``warehouse.rawpages``), with the same result. A run folder without raw files stores no
pages, whatever else it holds (a re-extraction moves them away: the pages are stored already).
The story graph compares only the touched articles with stored ones of nearby days.
``bench/warehouse.py`` measures it against DuckDB's COPY.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from transforms.dedup import minhash_signature
from warehouse.queries import sql
from warehouse.rawpages import PageStream, RunFilesError, check_run_ids, pages_parquet
from warehouse.stories import update_stories

__all__ = [
    "LoadReport",
    "OutletCounts",
    "RunFilesError",
    "known_urls",
    "load_run",
    "record_run_end",
    "record_run_start",
    "run_summary",
    "sync_outlets",
]


@dataclass(frozen=True)
class OutletCounts:
    """What one run brought for one outlet."""

    pages: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    duplicates: int = 0
    non_articles: int = 0
    errors: int = 0


@dataclass(frozen=True)
class LoadReport:
    """Per-outlet counts of a load, read back from the stored rows (a reload reports the same)."""

    run_id: str
    outlets: dict[str, OutletCounts] = field(default_factory=dict)

    @property
    def total(self) -> OutletCounts:
        """Sum over outlets."""
        names = OutletCounts.__dataclass_fields__
        return OutletCounts(**{n: sum(getattr(c, n) for c in self.outlets.values()) for n in names})


class OutletLike(Protocol):
    """The registry fields the ``outlets`` table keeps (``registry.model.Outlet`` has them)."""

    id: str
    name: str
    home: str
    country: str
    languages: Iterable[str]
    aggregator: bool


def record_run_start(
    con: duckdb.DuckDBPyConnection, run_id: str, flow: str, parameters: dict[str, Any]
) -> None:
    """Record that a flow run started (restarting a run id resets its end fields)."""
    params = {"run_id": run_id, "flow": flow, "parameters": _json(parameters)}
    con.execute(sql("insert_run_start"), params)


def record_run_end(
    con: duckdb.DuckDBPyConnection, run_id: str, status: str, counts: dict[str, Any]
) -> None:
    """Record how a run ended.

    Raises:
        KeyError: ``record_run_start`` was never called for ``run_id``.
    """
    params = {"run_id": run_id, "status": status, "counts": _json(counts)}
    if not con.execute(sql("update_run_end"), params).fetchall():
        raise KeyError(f"run {run_id!r} was never started (call record_run_start first)")


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)


def known_urls(con: duckdb.DuckDBPyConnection, outlet: str) -> list[str]:
    """Canonical and fetched URLs of the outlet's stored articles: the crawler's seen set."""
    return [row[0] for row in con.execute(sql("select_known_urls"), {"outlet": outlet}).fetchall()]


def sync_outlets(con: duckdb.DuckDBPyConnection, outlets: Iterable[OutletLike]) -> int:
    """Upsert registry entries into ``outlets`` (never deletes: old rows keep their history).

    Returns:
        Number of outlets written.
    """
    rows = [
        {
            "id": o.id,
            "name": o.name,
            "home": o.home,
            "country": o.country,
            "languages": list(o.languages),
            "aggregator": bool(o.aggregator),
        }
        for o in outlets
    ]
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("name", pa.string()),
            ("home", pa.string()),
            ("country", pa.string()),
            ("languages", pa.list_(pa.string())),
            ("aggregator", pa.bool_()),
        ]
    )
    con.register("outlet_rows", pa.Table.from_pylist(rows, schema=schema))
    try:
        con.execute(sql("upsert_outlets"))
    finally:
        con.unregister("outlet_rows")
    return len(rows)


def load_run(con: duckdb.DuckDBPyConnection, run_id: str, run_dir: Path) -> LoadReport:
    """Load a run folder (raw pages, fetch log, articles.parquet) in one transaction.

    Args:
        con: read-write connection, not inside a transaction.
        run_id: the run; every row in the files must carry it.
        run_dir: ``data/runs/<run_id>`` with ``raw/*.jsonl.gz``, ``fetches/*.jsonl.gz``,
            ``articles.parquet`` and ``pages.parquet`` (any may be missing: a run with no pages
            has none; without a ``pages.parquet`` matching the raw files, pages are read from
            the raw files).

    Returns:
        Per-outlet counts of this run.

    Raises:
        RunFilesError: a file holds rows of another run. Nothing is written then, nor on any
            other error.
    """
    run_dir = Path(run_dir)
    raw = sorted((run_dir / "raw").glob("*.jsonl.gz"))
    packed = pages_parquet(run_dir, raw)
    con.begin()
    try:
        # Without pages.parquet, raw pages are read and compressed on other threads meanwhile.
        with PageStream(con, run_id, [] if packed else raw) as pages:
            _load_fetches(con, run_id, sorted((run_dir / "fetches").glob("*.jsonl.gz")))
            changed = _load_articles(con, run_id, run_dir / "articles.parquet")
            update_stories(con, changed, run_dir / "articles.parquet")
            if packed:
                _insert_pages(con, run_id, packed)
            else:
                _store_pages(con, run_id, pages)
        report = _report(con, run_id)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return report


def _insert_pages(con: duckdb.DuckDBPyConnection, run_id: str, parquet: Path) -> None:
    """Replace the run's pages with the rows of its ``pages.parquet`` (compressed already)."""
    path = {"path": str(parquet)}
    found = [r[0] for r in con.execute(sql("select_parquet_run_ids"), path).fetchall()]
    check_run_ids(found, run_id, str(parquet))
    con.execute(sql("delete_run_pages"), {"run_id": run_id})
    # Choosing each URL's latest fetch costs a join (and memory): only when a URL came twice.
    (refetched,) = con.execute(sql("select_pages_parquet_refetched"), path).fetchone()
    con.execute(sql("insert_run_pages" if refetched else "insert_run_pages_all"), path)


def _store_pages(con: duckdb.DuckDBPyConnection, run_id: str, pages: PageStream) -> None:
    """Replace the run's pages with the stream's batches (read and compressed meanwhile)."""
    con.execute(sql("delete_run_pages"), {"run_id": run_id})
    for table, superseded in pages.batches():
        if superseded:
            con.execute(sql("delete_run_pages_listed"), {"run_id": run_id, "urls": superseded})
        con.register("staged_pages", table)
        try:
            con.execute(sql("insert_pages"))
        finally:
            con.unregister("staged_pages")


def _load_fetches(con: duckdb.DuckDBPyConnection, run_id: str, files: list[Path]) -> None:
    """Replace the run's fetch log (small: staged whole)."""
    con.execute(sql("delete_run_fetches"), {"run_id": run_id})
    if not files:
        return
    con.execute(sql("stage_fetches"), {"paths": [str(p) for p in files]})
    found = [r[0] for r in con.execute(sql("select_staged_fetch_run_ids")).fetchall()]
    check_run_ids(found, run_id, "fetches/")
    con.execute(sql("insert_fetches"))
    con.execute(sql("drop_staged_fetches"))


def _load_articles(con: duckdb.DuckDBPyConnection, run_id: str, parquet: Path) -> list[str]:
    """Extractions by run; articles and signatures merged; versions for changed text.

    A reload replaces the run's whole contribution: articles only this run had seen and that the
    new files no longer hold are deleted (with their versions and signatures); articles other runs
    saw too fall back to what those runs saw (``restore_dropped_articles.sql`` says which columns).

    Returns:
        The ids of the articles the load may have changed, for the story index.
    """
    by_run = {"run_id": run_id}
    con.execute(sql("stage_previous_run_articles"), by_run)
    for name in ("delete_run_extractions", "delete_run_versions"):
        con.execute(sql(name), by_run)
    if parquet.exists():
        _merge_articles(con, run_id, parquet)
    for name in ("articles", "signatures", "versions"):
        con.execute(sql(f"delete_orphan_{name}"))
    con.execute(sql("insert_missing_versions"))
    con.execute(sql("restore_dropped_articles"), by_run)
    _restore_signatures(con, run_id)
    con.execute(sql("stage_changed_articles"), by_run)
    # Deleting this run's versions may have left gaps in those articles' numbering.
    con.execute(sql("renumber_versions"))
    changed = [row[0] for row in con.execute(sql("select_changed_articles")).fetchall()]
    con.execute(sql("drop_changed_articles"))
    con.execute(sql("drop_previous_run_articles"))
    return changed


def _merge_articles(con: duckdb.DuckDBPyConnection, run_id: str, parquet: Path) -> None:
    """Extractions, versions, articles and signatures from the run's parquet file."""
    path = {"path": str(parquet)}
    found = [r[0] for r in con.execute(sql("select_parquet_run_ids"), path).fetchall()]
    check_run_ids(found, run_id, str(parquet))
    con.execute(sql("insert_extractions"), path)
    con.execute(sql("stage_articles"), path)
    con.execute(sql("create_staged_articles"))
    for name in (
        "insert_changed_versions",
        "update_articles",
        "update_article_texts",
        "update_article_lists",
        "insert_new_articles",
        "backdate_first_seen",
        "upsert_signatures",
    ):
        con.execute(sql(name), path)
    # Temp objects go with the transaction if anything fails: dropped here on success only.
    con.execute(sql("drop_staged_articles"))
    con.execute(sql("drop_staged_keys"))


def _restore_signatures(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Recompute signatures that came from a fetch the reload dropped, from the restored text."""
    stale = con.execute(sql("select_stale_signatures"), {"run_id": run_id}).fetchall()
    if not stale:
        return
    table = pa.table(
        {
            "article_id": [r[0] for r in stale],
            "minhash": [minhash_signature(r[1] or "") for r in stale],
            "run_id": [r[2] for r in stale],
        },
        schema=pa.schema(
            [
                ("article_id", pa.string()),
                ("minhash", pa.list_(pa.uint64())),
                ("run_id", pa.string()),
            ]
        ),
    )
    con.register("signature_rows", table)
    try:
        con.execute(sql("delete_listed_signatures"))
        con.execute(sql("replace_signatures"))
    finally:
        con.unregister("signature_rows")


def _counts(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql("select_run_outlet_counts"), {"run_id": run_id})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _report(con: duckdb.DuckDBPyConnection, run_id: str) -> LoadReport:
    outlets = {
        row["outlet"]: OutletCounts(
            pages=row["pages"],
            articles_new=row["articles_new"],
            articles_updated=row["articles_updated"],
            duplicates=row["duplicates"],
            non_articles=row["non_articles"],
            errors=row["fetch_errors"] + row["extraction_errors"],
        )
        for row in _counts(con, run_id)
    }
    return LoadReport(run_id, outlets)


def run_summary(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """Per-outlet lines for the flow's report.

    Returns:
        One dict per outlet, sorted by outlet: ``outlet, fetches, pages, articles_new,
        articles_updated, duplicates, non_articles, fetch_errors, extraction_errors, errors``
        (``errors`` = fetch errors, i.e. exceptions or HTTP >= 400, + extraction failures).
    """
    rows = _counts(con, run_id)
    for row in rows:
        row["errors"] = row["fetch_errors"] + row["extraction_errors"]
    return rows
