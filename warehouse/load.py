"""Loading one run folder into the warehouse, and the run bookkeeping around it.

Write dispositions (as dlt declares them), which is what makes ``load_run`` idempotent:

* ``pages``, ``fetches``, ``extractions``, ``article_versions``, ``embeds``: **replace by run**
  (delete the run's rows, insert them again; the ``article_embeds`` view shows, per article, the
  embeds of the fetch it holds);
* ``articles``, ``article_signatures``: **merge** on ``article_id`` (a hash of the canonical URL);
  a fetch older than the stored one never overwrites it;
* ``articles.duplicate_of``, ``articles.story_id``, ``stories``: **recomputed** after each load
  for the articles the load touched and the stories they reach, so they do not depend on load
  order (the story graph, ``story_features``, ``story_keys`` and ``story_links``, is brought up
  to date for those articles: see ``warehouse.stories``); only rows whose value changes are
  written.

Everything happens in one transaction: a load killed half way leaves nothing, and downstream
queries never see a partial run. Runs loaded out of fetch order (two nights at once) give the
rows of a load in fetch order (a version repeating the one before it is removed); reloading any
run (the latest or an older one) with the same files gives the tables of a single clean load,
and reloading it with *fewer* pages removes what the dropped pages had contributed (articles only
that run saw are deleted; articles other runs saw too fall back to those runs' title and text).

Where the time goes, for speed: DuckDB reads the parquet files directly in each statement that
needs them (no staged copy of the night's text). Page bodies come compressed and hashed from the
extraction workers in ``pages.parquet`` and are inserted with one statement; a run folder whose
``pages.parquet`` is missing or was not made from its raw files as they are now (an older run,
raw files rewritten since) has its raw files read and compressed on other threads meanwhile
instead (``warehouse.rawpages``), with the same result. An outlet whose raw file is gone from the
folder (deleted once loaded, or moved away by a re-extraction: the pages are stored already)
keeps the pages stored for it (``warehouse.runfolder``, which also refuses, before any write, a
folder that is not a loadable run folder). The story graph compares only the touched articles
with stored ones of nearby days. ``bench/warehouse.py`` measures it against DuckDB's COPY.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from khabar.run.layout import FETCHES, RAW
from khabar.run.salvage import read_damage, salvage_run
from transforms.dedup import minhash_signature
from warehouse.lake import tag_commit, write_lock
from warehouse.queries import execute_each, one, sql
from warehouse.rawpages import (
    PageStream,
    RunFilesError,
    check_run_ids,
    pages_parquet,
)
from warehouse.runfolder import LoadableRun, check_run_folder
from warehouse.stories import complete_migrated_features, update_stories

# The registry's default time zone, for outlets rows synced from objects without one.
DEFAULT_TIMEZONE = "Africa/Casablanca"

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
    # What the run held before this load replaced it (None: it was not loaded before); not
    # compared: a reload reports the same counts.
    replaced: OutletCounts | None = field(default=None, compare=False)
    # Outlets whose raw files are gone from the folder and whose stored pages were kept.
    kept_pages: list[str] = field(default_factory=list, compare=False)
    # Run files a killed writer had cut, loaded as far as they were whole (one line each).
    damaged_files: tuple[str, ...] = field(default=(), compare=False)

    @property
    def total(self) -> OutletCounts:
        """Sum over outlets."""
        names = OutletCounts.__dataclass_fields__
        return OutletCounts(**{n: sum(getattr(c, n) for c in self.outlets.values()) for n in names})


class OutletLike(Protocol):
    """The registry fields the ``outlets`` table keeps (``registry.model.Outlet`` has them,
    read-only: properties here, so a frozen model fits)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def home(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def languages(self) -> Iterable[str]: ...
    @property
    def aggregator(self) -> bool: ...
    # timezone: str (IANA name; read with getattr, default Africa/Casablanca, as the registry)


def record_run_start(
    con: duckdb.DuckDBPyConnection, run_id: str, flow: str, parameters: dict[str, Any]
) -> None:
    """Record that a flow run started (restarting a run id resets its end fields)."""
    params = {"run_id": run_id, "flow": flow, "parameters": _json(parameters)}
    with write_lock(con):  # on a DuckLake, writers take turns (warehouse.lake)
        con.execute(sql("runs", "insert_run_start"), params)


def record_run_end(
    con: duckdb.DuckDBPyConnection, run_id: str, status: str, counts: dict[str, Any]
) -> None:
    """Record how a run ended.

    Raises:
        KeyError: ``record_run_start`` was never called for ``run_id``.
    """
    params = {"run_id": run_id, "status": status, "counts": _json(counts)}
    with write_lock(con):
        started = one(con, "runs", "select_run_started", {"run_id": run_id})[0]
        if started:
            con.execute(sql("runs", "update_run_end"), params)
    if not started:
        raise KeyError(f"run {run_id!r} was never started (call record_run_start first)")


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)


def known_urls(con: duckdb.DuckDBPyConnection, outlet: str) -> list[str]:
    """Canonical and fetched URLs of the outlet's stored articles: the crawler's seen set."""
    rows = con.execute(sql("load", "select_known_urls"), {"outlet": outlet}).fetchall()
    return [row[0] for row in rows]


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
            "timezone": getattr(o, "timezone", None) or DEFAULT_TIMEZONE,
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
            ("timezone", pa.string()),
        ]
    )
    con.register("outlet_rows", pa.Table.from_pylist(rows, schema=schema))
    try:
        with write_lock(con):
            con.execute(sql("load", "upsert_outlets"))
    finally:
        con.unregister("outlet_rows")
    return len(rows)


def load_run(con: duckdb.DuckDBPyConnection, run_id: str, run_dir: Path) -> LoadReport:
    """Load a run folder (raw pages, fetch log, articles.parquet) in one transaction.

    Args:
        con: read-write connection, not inside a transaction.
        run_id: the run; every row in the files must carry it.
        run_dir: ``data/runs/<run_id>`` with ``articles.parquet`` (required: the extraction's
            output), ``raw/*.jsonl.gz``, ``fetches/*.jsonl.gz`` and ``pages.parquet`` (without
            a ``pages.parquet`` matching the raw files, pages are read from the raw files; an
            outlet of ``articles.parquet`` whose raw or fetches file is gone keeps what is
            stored of it: ``warehouse.runfolder``).

    Returns:
        Per-outlet counts of this run, and what the load replaced.

    Raises:
        RunFilesError: the folder is not a loadable run folder of ``run_id`` (checked before
            anything is written), ``articles.parquet`` is unreadable, or a file holds rows of
            another run. Nothing is written then, nor on any other error.
    """
    run_dir = Path(run_dir)
    folder = check_run_folder(con, run_dir, run_id)
    # A crawl killed mid-write leaves its files cut: their complete records are loaded, the
    # damage recorded (khabar.run.salvage.salvage_run); the other outlets load as usual.
    salvage_run(run_dir, (FETCHES,))
    packed = pages_parquet(folder.path, folder.raw)
    if not packed:
        salvage_run(run_dir, (RAW,))
    # On a DuckLake, one writer at a time from here to the commit (warehouse.lake: why).
    with write_lock(con):
        complete_migrated_features(con)
        return _load_transaction(con, run_id, run_dir, folder, packed)


def _load_transaction(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    run_dir: Path,
    folder: LoadableRun,
    packed: Path | None,
) -> LoadReport:
    before = _report(con, run_id)
    con.begin()
    try:
        # Without pages.parquet, raw pages are read and compressed on other threads meanwhile.
        with PageStream(con, run_id, [] if packed else folder.raw) as pages:
            _load_fetches(con, run_id, folder.fetches, folder.keep_fetches)
            changed = _load_articles(con, run_id, folder.articles)
            update_stories(con, changed, folder.articles)
            keep = {"run_id": run_id, "keep": folder.keep_pages}
            con.execute(sql("load", "delete_run_pages"), keep)
            if packed:
                _insert_pages(con, run_id, packed)
            else:
                _store_pages(con, run_id, pages)
        report = _report(con, run_id, replaced=before.total if before.outlets else None,
                         kept=folder.keep_pages,
                         damaged=tuple(d.line() for d in read_damage(run_dir)))
        tag_commit(con, f"load run {run_id}", run_id=run_id)
        con.commit()
    except BaseException as exc:
        _rollback(con, exc)
        raise
    return report


def _rollback(con: duckdb.DuckDBPyConnection, cause: BaseException) -> None:
    """Roll back, keeping ``cause`` as the error: after a fatal error (a full disk) DuckDB has
    ended the transaction itself, and "cannot rollback - no transaction is active" would hide
    "No space left on device"."""
    try:
        con.rollback()
    except duckdb.Error as exc:
        cause.add_note(f"(rollback: {exc})")


def _insert_pages(con: duckdb.DuckDBPyConnection, run_id: str, parquet: Path) -> None:
    """Insert the rows of the run's ``pages.parquet`` (compressed already)."""
    path = {"path": str(parquet)}
    found = [r[0] for r in con.execute(sql("runfolder", "select_parquet_run_ids"), path).fetchall()]
    check_run_ids(found, run_id, str(parquet))
    # Choosing each URL's latest fetch costs a join (and memory): only when a URL came twice.
    (refetched,) = one(con, "load", "select_pages_parquet_refetched", path)
    con.execute(sql("load", "insert_run_pages" if refetched else "insert_run_pages_all"), path)


def _store_pages(con: duckdb.DuckDBPyConnection, run_id: str, pages: PageStream) -> None:
    """Insert the stream's batches (read and compressed meanwhile)."""
    for table, superseded in pages.batches():
        if superseded:
            con.execute(sql("load", "delete_run_pages_listed"),
                        {"run_id": run_id, "urls": superseded})
        con.register("staged_pages", table)
        try:
            con.execute(sql("load", "insert_pages"))
        finally:
            con.unregister("staged_pages")


def _load_fetches(
    con: duckdb.DuckDBPyConnection, run_id: str, files: list[Path], keep: list[str]
) -> None:
    """Replace the run's fetch log (small: staged whole), but that of the ``keep`` outlets."""
    con.execute(sql("load", "delete_run_fetches"), {"run_id": run_id, "keep": keep})
    if not files:
        return
    con.execute(sql("load", "stage_fetches"), {"paths": [str(p) for p in files]})
    found = [r[0] for r in con.execute(sql("load", "select_staged_fetch_run_ids")).fetchall()]
    check_run_ids(found, run_id, "fetches/")
    con.execute(sql("load", "insert_fetches"))
    con.execute(sql("load", "drop_staged_fetches"))


def _load_articles(con: duckdb.DuckDBPyConnection, run_id: str, parquet: Path) -> list[str]:
    """Extractions by run; articles and signatures merged; versions for changed text.

    A reload replaces the run's whole contribution: articles only this run had seen and that the
    new files no longer hold are deleted (with their versions and signatures); articles other runs
    saw too fall back to what those runs saw (``load.sql:restore_dropped_articles`` says which
    columns).

    Returns:
        The ids of the articles the load may have changed, for the story index.
    """
    by_run = {"run_id": run_id}
    con.execute(sql("load", "stage_previous_run_articles"), by_run)
    execute_each(con, "load", ("delete_run_extractions", "delete_run_versions",
                               "delete_run_embeds"), by_run)
    if parquet.exists():
        _merge_articles(con, run_id, parquet)
        con.execute(sql("load", "update_published_dates"), by_run)
    # A run's first load has no earlier contribution to undo: each of these statements reads a
    # whole stored table (0.28-0.32 s of CPU for three of them in a night on 1,000,000 stored
    # articles: BENCHMARKS.md, stories), so they run on a reload only.
    if one(con, "load", "select_previous_run_article_count")[0]:
        execute_each(con, "load", ("delete_orphan_articles", "delete_orphan_signatures",
                                   "delete_orphan_versions"))
        con.execute(sql("load", "insert_missing_versions"))
        con.execute(sql("load", "restore_dropped_articles"), by_run)
        _restore_signatures(con, run_id)
    con.execute(sql("load", "stage_changed_articles"), by_run)
    # Runs loaded out of fetch order (nights at once) leave a later version repeating an earlier.
    con.execute(sql("load", "delete_repeated_versions"))
    con.execute(sql("load", "update_article_run_ids"))
    # Deleting versions may have left gaps in those articles' numbering.
    con.execute(sql("load", "renumber_versions"))
    changed = [row[0] for row in con.execute(sql("load", "select_changed_articles")).fetchall()]
    con.execute(sql("load", "drop_changed_articles"))
    con.execute(sql("load", "drop_previous_run_articles"))
    return changed


def _merge_articles(con: duckdb.DuckDBPyConnection, run_id: str, parquet: Path) -> None:
    """Extractions, versions, articles, signatures and embeds from the run's parquet file."""
    path = {"path": str(parquet)}
    found = [r[0] for r in con.execute(sql("runfolder", "select_parquet_run_ids"), path).fetchall()]
    check_run_ids(found, run_id, str(parquet))
    con.execute(sql("load", "insert_extractions"), path)
    con.execute(sql("load", "stage_articles"), path)
    con.execute(sql("load", "create_staged_articles"))
    execute_each(con, "load", (
        "insert_changed_versions",
        "update_articles",
        "update_article_texts",
        "update_article_lists",
        "insert_new_articles",
        "backdate_first_seen",
        "upsert_signatures",
    ), path)
    # Run folders written before embeds were extracted have no such column.
    if one(con, "load", "select_parquet_has_embeds", path)[0]:
        con.execute(sql("load", "insert_embeds"), path)
    # Temp objects go with the transaction if anything fails: dropped here on success only.
    con.execute(sql("load", "drop_staged_articles"))
    con.execute(sql("load", "drop_staged_keys"))


def _restore_signatures(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Recompute signatures that came from a fetch the reload dropped, from the restored text."""
    stale = con.execute(sql("load", "select_stale_signatures"), {"run_id": run_id}).fetchall()
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
        con.execute(sql("load", "delete_listed_signatures"))
        con.execute(sql("load", "replace_signatures"))
    finally:
        con.unregister("signature_rows")


def _counts(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql("load", "select_run_outlet_counts"), {"run_id": run_id})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _report(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    replaced: OutletCounts | None = None,
    kept: list[str] | None = None,
    damaged: tuple[str, ...] = (),
) -> LoadReport:
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
    return LoadReport(run_id, outlets, replaced, list(kept or []), damaged)


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
