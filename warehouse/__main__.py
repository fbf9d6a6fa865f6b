"""Command line: ``python -m warehouse [--db PATH] COMMAND``.

Commands: ``sql "select …"``, ``info``, ``search WORDS``, ``export DIR`` (read-only), and
``reindex``, ``publish``, ``load RUN_DIR`` (read-write).

The read-only commands open the read copy (``news.read.duckdb``) when it exists and ``--db`` is
not given, so they never hold the file the nightly load writes; with ``--db`` they open exactly
that file. ``reindex`` and ``publish`` take the write lock (waiting for it like the loader).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, connect, default_path, pending_migrations, schema_version
from warehouse.export import export_counts, export_parquet
from warehouse.load import load_run
from warehouse.publish import after_load, publish_read_copy, read_copy_path
from warehouse.queries import sql
from warehouse.rawpages import RunFilesError
from warehouse.search import SearchIndexMissing, build_search_index, search_articles
from warehouse.validators import load_validators


def _print_rows(names: list[str], rows: list[tuple[object, ...]]) -> None:
    cells = [[("" if v is None else str(v)).replace("\n", " ")[:80] for v in r] for r in rows]
    widths = [max([len(n), *(len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    print("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def _reader(args: argparse.Namespace) -> duckdb.DuckDBPyConnection:
    """``--db`` if given, else the read copy if published, else the main file; read-only."""
    if args.db:
        return connect(args.db, read_only=True)
    copy = read_copy_path()
    return connect(copy if copy.exists() else default_path(), read_only=True)


def _sql(args: argparse.Namespace) -> None:
    con = _reader(args)
    cursor = con.execute(args.query)
    if cursor.description is None:
        print("ok")
        return
    rows = cursor.fetchmany(args.max_rows + 1)
    _print_rows([d[0] for d in cursor.description], rows[: args.max_rows])
    if len(rows) > args.max_rows:
        print(f"(stopped at {args.max_rows} rows: use --max-rows or LIMIT)")


def _info(args: argparse.Namespace) -> None:
    con = _reader(args)
    print(f"database: {con.execute('PRAGMA database_list').fetchone()[2]}")
    print(f"schema version: {schema_version(con)}")
    pending = pending_migrations(con)
    if pending:
        print("pending migrations (applied by the next read-write open):")
        for migration in pending:
            print(f"  {migration.name}")
        return
    cursor = con.execute(sql("select_table_counts"))
    _print_rows([d[0] for d in cursor.description], cursor.fetchall())


def _reindex(args: argparse.Namespace) -> None:
    con = connect(args.db)
    build_search_index(con)
    print("full-text index rebuilt")


def _publish(args: argparse.Namespace) -> None:
    if args.skip_index:
        copy = publish_read_copy(args.db)
    else:
        copy = after_load(args.db)
    print(f"published {copy}")


def _load(args: argparse.Namespace) -> None:
    """Load one run folder (what the nightly flow's load task runs, in a process of its own so
    that DuckDB's memory is given back when it ends), then publish the read copy."""
    run_dir = Path(args.run_dir)
    run_id = args.run_id or run_dir.name
    with connect(args.db) as con:
        report = load_run(con, run_id, run_dir)
        load_validators(con, run_id, run_dir)
    copy = None if args.no_publish else after_load(args.db)
    outcome = {"run_id": run_id, "total": asdict(report.total),
               "read_copy": str(copy) if copy else None,
               "damaged_files": list(report.damaged_files)}
    for line in report.damaged_files:
        print(f"warning: {line}", file=sys.stderr)
    if args.json:
        print(json.dumps(outcome))
        return
    print(f"loaded run {run_id}: " + ", ".join(f"{k} {v}" for k, v in outcome["total"].items()))
    if copy:
        print(f"published {copy}")


def _export(args: argparse.Namespace) -> None:
    con = _reader(args)
    files = export_parquet(con, args.dir)
    rows = export_counts(con, args.dir)
    _print_rows(["outlet", "month", "articles"], rows)
    print(f"{len(files)} parquet files under {Path(args.dir)}")


def _search(args: argparse.Namespace) -> None:
    con = _reader(args)
    hits = search_articles(con, " ".join(args.words), args.limit)
    names = ["score", "outlet", "published_at", "title", "canonical_url"]
    _print_rows(names, [tuple(h[n] for n in names) for h in hits])


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m warehouse", description=__doc__)
    parser.add_argument("--db", help="database file (default: $KHABAR_DB or warehouse/news.duckdb)")
    commands = parser.add_subparsers(dest="command", required=True)
    run_sql = commands.add_parser("sql", help="run one query read-only and print the result")
    run_sql.add_argument("query")
    run_sql.add_argument("--max-rows", type=int, default=200)
    run_sql.set_defaults(func=_sql)
    commands.add_parser("info", help="schema version and row counts").set_defaults(func=_info)
    commands.add_parser("reindex", help="rebuild the full-text index").set_defaults(func=_reindex)
    publish = commands.add_parser(
        "publish", help="rebuild the fts index and publish the read copy (news.read.duckdb)"
    )
    publish.add_argument("--skip-index", action="store_true", help="copy only, no fts rebuild")
    publish.set_defaults(func=_publish)
    load = commands.add_parser(
        "load", help="load a run folder (raw pages, articles.parquet) and publish the read copy"
    )
    load.add_argument("run_dir")
    load.add_argument("--run-id", help="the run's id (default: the folder's name)")
    load.add_argument("--no-publish", action="store_true", help="no fts update, no read copy")
    load.add_argument("--json", action="store_true", help="print the counts as one JSON line")
    load.set_defaults(func=_load)
    export = commands.add_parser("export", help="articles to Parquet by outlet and month")
    export.add_argument("dir")
    export.set_defaults(func=_export)
    search = commands.add_parser("search", help="full-text search over articles")
    search.add_argument("words", nargs="+")
    search.add_argument("--limit", type=int, default=20)
    search.set_defaults(func=_search)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (WarehouseError, SearchIndexMissing, RunFilesError, duckdb.Error, KeyError,
            FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
