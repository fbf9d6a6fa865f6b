"""warehouse.db: migrations, connection errors (corrupt, locked, missing, unwritable), connection
settings and the memory limit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.support import ROOT
from warehouse import WarehouseError, connect
from warehouse.db import memory_limit_for, migrate, migrations, schema_version
from warehouse.queries import sql

# --- schema and connection ---------------------------------------------------------------------


def test_migrations_from_zero_then_reopen_is_noop(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "news.duckdb"
    first = connect(path)
    assert schema_version(first) == len(migrations()) == migrations()[-1].version
    applied = first.execute("select version, applied_at from schema_migrations").fetchall()
    first.close()
    again = connect(path)
    assert migrate(again) == []
    assert again.execute("select version, applied_at from schema_migrations").fetchall() == applied
    views = again.execute("select view_name from duckdb_views() where not internal").fetchall()
    assert {"latest_articles", "daily_counts", "story_outlets"} <= {v[0] for v in views}
    again.close()


def test_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "news.duckdb"
    path.write_bytes(b"PK\x03\x04 definitely a zip file, not a database" * 10)
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(WarehouseError, match="is not a DuckDB database file"):
            connect(path, read_only=read_only)
    assert path.read_bytes() == before
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    with pytest.raises(WarehouseError, match="0 bytes"):
        connect(empty)


def test_locked_file_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "news.duckdb"
    connect(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from warehouse import connect
            con = connect({str(path)!r})
            print("held", flush=True)
            sys.stdin.read()
        """),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for read_only in (False, True):
            with pytest.raises(WarehouseError) as error:
                connect(path, read_only=read_only, wait=0)
            message = str(error.value)
            assert f"PID {holder.pid}" in message and "locked by another process" in message
            assert "Close that process" in message and "retry" in message
    finally:
        holder.communicate("", timeout=30)
    connect(path).close()  # released: opens again


def test_missing_file_read_only_and_unwritable_directory(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="does not exist"):
        connect(tmp_path / "nope.duckdb", read_only=True)
    assert not (tmp_path / "nope.duckdb").exists()
    not_a_dir = tmp_path / "a-file"
    not_a_dir.write_text("x")
    with pytest.raises(WarehouseError, match="cannot create directory"):
        connect(not_a_dir / "sub" / "news.duckdb")
    locked_dir = tmp_path / "ro"
    locked_dir.mkdir(mode=0o555)
    if os.geteuid() == 0:
        pytest.skip("running as root: directory permissions are not enforced")
    with pytest.raises(WarehouseError, match="not writable"):
        connect(locked_dir / "news.duckdb")


def test_connection_settings_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def settings(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
        return con.execute(
            "select current_setting('memory_limit'), current_setting('threads')"
        ).fetchone()

    con = connect(tmp_path / "a.duckdb")
    assert settings(con)[0] == "244.1 MiB"  # DEFAULT_MEMORY_LIMIT, 256 MB
    con.close()
    monkeypatch.setenv("KHABAR_DUCKDB_MEMORY", "1GB")
    monkeypatch.setenv("KHABAR_DUCKDB_THREADS", "1")
    con = connect(tmp_path / "b.duckdb")
    assert settings(con) == ("953.6 MiB", 1)
    con.close()
    monkeypatch.setenv("KHABAR_DUCKDB_THREADS", "two")
    with pytest.raises(WarehouseError, match="KHABAR_DUCKDB_THREADS"):
        connect(tmp_path / "c.duckdb")


def test_memory_limit_grows_with_the_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A warehouse of 1.2M articles opens with more than the 256 MB default (at 1M stored a
    night ran out of memory there), unless KHABAR_DUCKDB_MEMORY says otherwise."""
    monkeypatch.delenv("KHABAR_DUCKDB_MEMORY", raising=False)
    path = tmp_path / "big.duckdb"
    con = connect(path)
    con.execute("insert into articles (article_id, outlet, canonical_url, url, first_seen, "
                "last_seen, run_id) select 'a' || range, 'o', 'u' || range, 'u' || range, "
                "now(), now(), 'r' from range(1200000)")
    con.close()
    con = connect(path)
    limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    con.close()
    assert limit == duckdb.connect(config={"memory_limit": memory_limit_for(1_200_000)}).execute(
        "select current_setting('memory_limit')").fetchone()[0]
    assert memory_limit_for(1_200_000) == "563MB"
    monkeypatch.setenv("KHABAR_DUCKDB_MEMORY", "300MB")
    con = connect(path, read_only=True)
    assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "286.1 MiB"
    con.close()


def test_migration_gives_stored_articles_their_local_day(tmp_path: Path) -> None:
    """A warehouse made before migration 0015 gets published_date for the articles it holds."""
    path = tmp_path / "old.duckdb"
    raw = duckdb.connect(str(path))
    raw.execute("SET TimeZone = 'UTC'")
    raw.execute(sql("migrations", "create_schema_migrations"))
    for migration in migrations():
        if migration.version < 15:
            raw.execute(migration.path.read_text())
            raw.execute("insert into schema_migrations (version, name) values (?, ?)",
                        [migration.version, migration.name])
    raw.execute("insert into outlets values ('maghress_fr', 'M', 'https://m/', 'MA', ['fr'], true)")
    raw.execute("insert into articles (article_id, outlet, canonical_url, url, published_at, "
                "first_seen, last_seen, run_id) values ('a', 'maghress_fr', 'u', 'u', "
                "TIMESTAMPTZ '2026-11-19 23:00:00+00', now(), now(), 'r')")
    raw.close()
    with connect(path) as migrated:
        assert migrated.execute("select published_date from articles").fetchone()[0] == date(
            2026, 11, 20)
        assert migrated.execute("select timezone from outlets").fetchone()[0] == (
            "Africa/Casablanca")
