"""Command line: ``python -m warehouse [--db PATH] COMMAND``.

Commands: ``sql "select …"``, ``info``, ``search WORDS``, ``export DIR`` (read-only), and
``reindex``, ``publish`` (read-write).

The read-only commands open the read copy (``news.read.duckdb``) when it exists and ``--db`` is
not given, so they never hold the file the nightly load writes; with ``--db`` they open exactly
that file. ``reindex`` and ``publish`` take the write lock (waiting for it like the loader).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, connect, default_path, pending_migrations, schema_version
from warehouse.export import export_counts, export_parquet
from warehouse.publish import after_load, publish_read_copy, read_copy_path
from warehouse.queries import sql
from warehouse.search import SearchIndexMissing, build_search_index, search_articles


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
    except (WarehouseError, SearchIndexMissing, duckdb.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
