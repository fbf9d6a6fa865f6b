"""Command line: ``python -m warehouse [--db PATH] COMMAND``.

Read-only commands: ``sql "select …"``, ``info``, ``search WORDS``, and ``export DIR`` (which
writes only its own directory). Read-write: ``reindex``, ``publish``, ``load RUN_DIR``.

The read-only commands open the read copy (``news.read.duckdb``) when it exists and ``--db`` is
not given, so they never hold the file the nightly load writes; with ``--db`` they open exactly
that file. ``sql`` runs in a session that can read that one file and write none
(``warehouse.analyst``). ``sql`` and ``search`` print a table whose long cells are cut and
marked (``--wide``: whole), or every value as CSV or JSON lines (``--format``).

Commands that write check first and refuse, with one line and nothing changed: a run folder
that is missing, empty or never extracted; a database that is truncated or another program's;
too little free space; an export directory or read copy path holding something they did not
write. They write a new path and rename it into place, and say what they replaced
(``warehouse.targets``). Exit status: 0 done, 1 refused or failed (the reason on stderr).
``reindex`` and ``publish`` take the write lock (waiting for it like the loader).

With ``KHABAR_WAREHOUSE=ducklake:postgres://…`` (and no ``--db``) every command works on that
DuckLake instead (``warehouse.backend``): ``load`` commits a snapshot named by the run id and
publishes nothing; ``sql``, ``info`` and ``search`` read the latest snapshot, or a past one with
``--at-run RUN`` / ``--at-snapshot N``; ``snapshots`` lists each load's snapshot; ``reindex``
and ``publish`` are refused (no read copy, no stored fts index: ``warehouse.lakeread``);
``maintain`` merges small files, expires snapshots past the retention and deletes the files no
snapshot needs (``warehouse.lakemaint``; on the DuckDB file it checkpoints).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import duckdb

from khabar.disk import free_bytes, is_no_space
from khabar.paths import default_db_path
from warehouse.analyst import connect_analyst
from warehouse.backend import LakeConfig, configured_lake
from warehouse.db import (
    WarehouseError,
    connect,
    missing_warehouse,
    pending_migrations,
    schema_version,
)
from warehouse.export import export_counts, export_parquet
from warehouse.health import check_space
from warehouse.lake import current_snapshot, run_snapshots, snapshot_of_run
from warehouse.lakemaint import (
    DEFAULT_GRACE_HOURS,
    DEFAULT_KEEP_DAYS,
    DEFAULT_KEEP_NIGHTS,
    LakeRetention,
    maintain_lake,
)
from warehouse.lakeread import (
    check_read_only_sql,
    connect_lake_analyst,
    open_lake_reader,
    search_lake,
)
from warehouse.load import load_run
from warehouse.monitoring import checkpoint
from warehouse.output import FORMATS, print_rows
from warehouse.publish import after_load, publish_read_copy, read_copy_path
from warehouse.queries import one, sql
from warehouse.rawpages import RunFilesError
from warehouse.runfolder import check_run_folder
from warehouse.search import SearchIndexMissing, build_search_index, search_articles
from warehouse.targets import check_export_target, describe_export, describe_file
from warehouse.validators import load_validators

_ERRORS = (WarehouseError, SearchIndexMissing, RunFilesError, duckdb.Error, KeyError, OSError,
           ValueError)


def _db(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else default_db_path()


def _existing_db(args: argparse.Namespace) -> Path:
    """The DuckDB file a maintenance command works on, which must exist: a mistyped ``--db`` or
    ``KHABAR_DB`` is refused in one line, never made into a new, empty warehouse."""
    path = _db(args)
    if not path.exists():
        raise WarehouseError(missing_warehouse(path))
    return path


def _lake(args: argparse.Namespace) -> LakeConfig | None:
    """The DuckLake ``KHABAR_WAREHOUSE`` names, unless ``--db`` asks for a file."""
    lake = None if args.db else configured_lake()
    if lake is None and (getattr(args, "at_run", None) or getattr(args, "at_snapshot", None)
                         is not None):
        raise WarehouseError("--at-run and --at-snapshot read a DuckLake's past snapshots: set "
                             "KHABAR_WAREHOUSE=ducklake:… (the DuckDB file keeps no history)")
    return lake


def _lake_snapshot(args: argparse.Namespace, lake: LakeConfig) -> int | None:
    """The snapshot ``--at-snapshot N`` or ``--at-run RUN`` asks for (``None``: the latest)."""
    if getattr(args, "at_run", None):
        with open_lake_reader(lake) as con:
            return snapshot_of_run(con, args.at_run)
    return getattr(args, "at_snapshot", None)


def _read_path(args: argparse.Namespace) -> Path:
    """``--db`` if given, else the read copy if published, else the main file."""
    if args.db:
        return Path(args.db)
    copy = read_copy_path()
    return copy if copy.exists() else default_db_path()


def _sql(args: argparse.Namespace) -> None:
    lake = _lake(args)
    if lake is not None:
        opened = connect_lake_analyst(lake, _lake_snapshot(args, lake))
        check_read_only_sql(opened, args.query)
    else:
        opened = connect_analyst(_read_path(args))
    with opened as con:
        try:
            cursor = con.execute(args.query)
        except duckdb.PermissionException as exc:
            raise WarehouseError(
                f"{exc}: `warehouse sql` reads the warehouse and writes no file (no ATTACH, COPY "
                "TO, EXPORT, SET or reading other files); for files, use duckdb itself"
            ) from exc
        if cursor.description is None:
            print("ok")
            return
        rows = cursor.fetchmany(args.max_rows + 1)
        print_rows([d[0] for d in cursor.description], rows[: args.max_rows],
                   fmt=args.format, wide=args.wide)
    if len(rows) > args.max_rows:
        print(f"(stopped at {args.max_rows} rows: use --max-rows or LIMIT)", file=sys.stderr)


def _info(args: argparse.Namespace) -> None:
    lake = _lake(args)
    opened = (open_lake_reader(lake, _lake_snapshot(args, lake)) if lake
              else connect(_read_path(args), read_only=True))
    with opened as con:
        if lake is not None:  # its path would show the catalog's password
            print(f"database: {lake.describe()}, snapshot {current_snapshot(con)}")
        else:
            (database,) = one(con, "info", "select_database_file")
            print(f"database: {database}")
        print(f"schema version: {schema_version(con)}")
        pending = pending_migrations(con)
        if pending:
            print("pending migrations (applied by the next read-write open):")
            for migration in pending:
                print(f"  {migration.name}")
            return
        cursor = con.execute(sql("info", "select_table_counts"))
        print_rows([d[0] for d in cursor.description], cursor.fetchall())


def _no_index_on_lake(args: argparse.Namespace, command: str) -> None:
    if _lake(args) is not None:
        raise WarehouseError(
            f"`{command}` is for the DuckDB file: a DuckLake has no read copy and holds no fts "
            "index (readers read its snapshots; `search` indexes the snapshot it reads)")


def _reindex(args: argparse.Namespace) -> None:
    _no_index_on_lake(args, "reindex")
    with connect(_existing_db(args)) as con:
        build_search_index(con)
    print("full-text index rebuilt")


def _publish(args: argparse.Namespace) -> None:
    _no_index_on_lake(args, "publish")
    replaced = describe_file(read_copy_path(_existing_db(args)))
    try:
        copy = publish_read_copy(args.db) if args.skip_index else after_load(args.db)
    except _ERRORS as exc:
        if is_no_space(exc):
            raise WarehouseError(_publish_no_space(_db(args))) from exc
        raise
    if args.json:
        print(json.dumps({"read_copy": str(copy), "replaced": replaced}))
    else:
        print(f"published {copy} ({replaced})")


def _load(args: argparse.Namespace) -> None:
    """Load one run folder (what the nightly flow's load task runs, in a process of its own so
    that DuckDB's memory is given back when it ends), then publish the read copy."""
    run_dir = Path(args.run_dir)
    run_id = args.run_id or run_dir.resolve().name
    db = _db(args)
    lake = _lake(args)
    # Before the warehouse is even opened (a first open creates and migrates it).
    with duckdb.connect() as files:
        check_run_folder(files, run_dir, run_id)
    if lake is None:
        check_space(db, run_dir)
    where = lake.describe() if lake else f"the disk of {db}"
    try:
        with connect(None if lake else db) as con:
            report = load_run(con, run_id, run_dir)
            load_validators(con, run_id, run_dir)
    except _ERRORS as exc:
        if is_no_space(exc):
            raise WarehouseError(
                f"no space left on {where} while loading run {run_id}"
                f"{'' if lake else f' ({_free(db)} free now)'}: what was stored is intact, "
                "and the run is loaded "
                "wholly or not at all (one transaction). Free some space, then load it again "
                "(a reload replaces, never duplicates)") from exc
        raise
    replaced = asdict(report.replaced) if report.replaced else None
    total = asdict(report.total)
    outcome = {"run_id": run_id, "total": total, "replaced": replaced,
               "kept_pages": report.kept_pages, "read_copy": None,
               "damaged_files": list(report.damaged_files)}
    for line in report.damaged_files:
        print(f"warning: {line}", file=sys.stderr)
    if not args.json:
        print(f"loaded run {run_id}: " + ", ".join(f"{k} {v}" for k, v in total.items()))
        if replaced:
            print("replaced its earlier load: " + ", ".join(f"{k} {v}"
                                                            for k, v in replaced.items()))
        if report.kept_pages:
            print(f"kept the stored pages of {', '.join(report.kept_pages)} (their raw files "
                  "are gone from the run folder)")
    if lake is not None:
        # No read copy: readers read the lake's snapshots; this load's is named by its run id.
        if not args.json:
            print(f"committed to {lake.describe()}: readers see it now (`warehouse snapshots`)")
    elif not args.no_publish:
        previous = describe_file(read_copy_path(db))
        try:
            outcome["read_copy"] = str(after_load(db))
        except _ERRORS as exc:
            if is_no_space(exc):
                raise WarehouseError(f"run {run_id} is loaded, but {_publish_no_space(db)}"
                                     ) from exc
            raise
        if not args.json:
            print(f"published {outcome['read_copy']} ({previous})")
    if args.json:
        print(json.dumps(outcome))


def _publish_no_space(db: Path) -> str:
    return (f"no space left on the disk of {db} for its read copy ({_free(db)} free now; a copy "
            "needs the warehouse file's size): the read copy is still the previous one. Free "
            "some space, then run `python -m warehouse publish`")


def _free(db: Path) -> str:
    return f"{free_bytes(db) / 2**20:.1f} MB"


def _export(args: argparse.Namespace) -> None:
    out = Path(args.dir)
    replaced = describe_export(check_export_target(out))
    lake = _lake(args)
    opened = open_lake_reader(lake) if lake else connect(_read_path(args), read_only=True)
    with opened as con:
        files = export_parquet(con, out)
        rows = export_counts(con, out)
    print_rows(["outlet", "month", "articles"], rows)
    print(f"{len(files)} parquet files under {out} ({replaced})")


def _search(args: argparse.Namespace) -> None:
    lake = _lake(args)
    if lake is not None:
        hits = search_lake(lake, " ".join(args.words), args.limit, _lake_snapshot(args, lake))
    else:
        with connect(_read_path(args), read_only=True) as con:
            hits = search_articles(con, " ".join(args.words), args.limit)
    names = ["score", "outlet", "published_at", "title", "canonical_url"]
    print_rows(names, [tuple(h[n] for n in names) for h in hits], fmt=args.format,
               wide=args.wide)


def _snapshots(args: argparse.Namespace) -> None:
    lake = _lake(args)
    if lake is None:
        raise WarehouseError("`snapshots` lists a DuckLake's loads: set "
                             "KHABAR_WAREHOUSE=ducklake:… (the DuckDB file keeps no history)")
    with open_lake_reader(lake) as con:
        rows = run_snapshots(con)
    names = ["run_id", "snapshot_id", "committed_at", "message"]
    print_rows(names, [tuple(r[n] for n in names) for r in rows], fmt=args.format,
               wide=args.wide)


def _maintain(args: argparse.Namespace) -> None:
    lake = _lake(args)
    if lake is None:
        with connect(_existing_db(args)) as con:
            checkpoint(con)
        print(f"checkpointed {_db(args)} (a DuckDB file keeps no snapshots to expire)")
        return
    retention = LakeRetention(args.keep_nights, args.keep_days, args.grace_hours)
    with connect() as con:
        done = maintain_lake(con, retention)
    print(f"{lake.describe()}: data files {done.before.files} -> {done.after.files}, "
          f"{done.before.bytes / 2**20:.1f} -> {done.after.bytes / 2**20:.1f} MB; "
          f"{len(done.expired)} snapshots expired; time travel by run id reaches back to "
          f"{done.oldest_kept_run or 'no run'}")


def _add_snapshot_options(parser: argparse.ArgumentParser) -> None:
    at = parser.add_mutually_exclusive_group()
    at.add_argument("--at-run", metavar="RUN", help="DuckLake: read the lake as the latest load "
                    "of RUN left it (time travel; `snapshots` lists them)")
    at.add_argument("--at-snapshot", metavar="N", type=int,
                    help="DuckLake: read the lake at snapshot N")


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (cells cut at 80 characters, marked …), csv, or json (one "
                        "object per line): csv and json give every value whole")
    parser.add_argument("--wide", action="store_true", help="table cells whole, never cut")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="database file (default: the warehouse KHABAR_WAREHOUSE "
                        "names, else $KHABAR_DB or warehouse/news.duckdb)")
    commands = parser.add_subparsers(dest="command", required=True)
    run_sql = commands.add_parser(
        "sql", help="run SQL on the read copy (or --db) in a session that writes no file")
    run_sql.add_argument("query")
    run_sql.add_argument("--max-rows", type=int, default=200)
    _add_output_options(run_sql)
    _add_snapshot_options(run_sql)
    run_sql.set_defaults(func=_sql)
    info = commands.add_parser("info", help="schema version and row counts")
    _add_snapshot_options(info)
    info.set_defaults(func=_info)
    commands.add_parser("reindex", help="rebuild the full-text index").set_defaults(func=_reindex)
    publish = commands.add_parser(
        "publish", help="rebuild the fts index and publish the read copy (news.read.duckdb); "
        "refuses to replace a file there that is not a read copy")
    publish.add_argument("--skip-index", action="store_true", help="copy only, no fts rebuild")
    publish.add_argument("--json", action="store_true", help="print the path as one JSON line")
    publish.set_defaults(func=_publish)
    load = commands.add_parser(
        "load", help="load a run folder (articles.parquet, raw pages, fetch log) and publish the "
        "read copy; refuses a folder that is missing, empty or not extracted")
    load.add_argument("run_dir")
    load.add_argument("--run-id", help="the run's id (default: the folder's name)")
    load.add_argument("--no-publish", action="store_true", help="no fts update, no read copy")
    load.add_argument("--json", action="store_true", help="print the outcome as one JSON line")
    load.set_defaults(func=_load)
    export = commands.add_parser(
        "export", help="articles to Parquet by outlet and month; replaces only an earlier export")
    export.add_argument("dir")
    export.set_defaults(func=_export)
    search = commands.add_parser("search", help="full-text search over articles")
    search.add_argument("words", nargs="+")
    search.add_argument("--limit", type=int, default=20)
    _add_output_options(search)
    _add_snapshot_options(search)
    search.set_defaults(func=_search)
    snapshots = commands.add_parser(
        "snapshots", help="DuckLake: each load's run id and snapshot, for --at-run/--at-snapshot")
    _add_output_options(snapshots)
    snapshots.set_defaults(func=_snapshots)
    maintain = commands.add_parser(
        "maintain", help="DuckLake: merge small files, expire snapshots past the retention, "
        "delete files no snapshot needs, under the write lock (the DuckDB file: checkpoint)")
    maintain.add_argument("--keep-nights", type=int, default=DEFAULT_KEEP_NIGHTS,
                          help="time travel stays possible to this many latest runs "
                          f"(default {DEFAULT_KEEP_NIGHTS})")
    maintain.add_argument("--keep-days", type=float, default=DEFAULT_KEEP_DAYS,
                          help="and to every snapshot younger than this many days "
                          f"(default {DEFAULT_KEEP_DAYS:g})")
    maintain.add_argument("--grace-hours", type=float, default=DEFAULT_GRACE_HOURS,
                          help="delete unneeded files once unneeded this long, for readers "
                          f"still scanning them (default {DEFAULT_GRACE_HOURS:g}; 0: now)")
    maintain.set_defaults(func=_maintain)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        args.func(args)
    except _ERRORS as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1
    return 0


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, KeyError) and text.startswith(("'", '"')):
        text = text[1:-1]
    if isinstance(exc, OSError) and exc.filename and not isinstance(exc, WarehouseError):
        text = f"{exc.strerror or text}: {exc.filename}"
    return text


if __name__ == "__main__":
    sys.exit(main())
