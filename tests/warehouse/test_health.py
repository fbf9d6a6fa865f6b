"""The warehouse file is checked before anything is written to it: a truncated file, another
program's database and a disk without room are refused with one line, the file byte-identical.

Real DuckDB files in ``tmp_path``: a warehouse loaded from a run folder, then cut short with
``truncate`` as a copy or a full disk leaves it.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import duckdb
import pytest

from khabar.run.layout import FETCHES, RAW, RunFolder
from pipeline.preflight import INPUT_ERRORS, check_paths, problem
from tests.support.runs import first_run
from warehouse import WarehouseError, after_load, connect, health
from warehouse.__main__ import main as cli
from warehouse.load import load_run


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with one run loaded and checkpointed (several MB: many 256 KB blocks)."""
    root = tmp_path_factory.mktemp("loaded")
    db = root / "news.duckdb"
    with connect(db) as con:
        load_run(con, "r1", first_run(root))
    after_load(db)  # the fts index too
    return db


def _cut(loaded: Path, tmp_path: Path, size: int) -> Path:
    path = tmp_path / "news.duckdb"
    path.write_bytes(loaded.read_bytes()[:size])
    return path


def test_storage_version_is_one_whose_header_layout_is_read(tmp_path: Path) -> None:
    """If a new DuckDB writes another storage version, check_complete reads nothing: look at
    its header layout again before adding the version to _STORAGE_VERSIONS."""
    path = tmp_path / "x.duckdb"
    connect(path).close()
    version = struct.unpack_from("<Q", path.read_bytes(), 12)[0]
    assert version in health._STORAGE_VERSIONS


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.8])
def test_truncated_file_is_refused_untouched(loaded: Path, tmp_path: Path, fraction: float,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = _cut(loaded, tmp_path, int(loaded.stat().st_size * fraction))
    before = _digest(path)
    for read_only in (False, True):
        with pytest.raises(WarehouseError, match="is truncated"):
            connect(path, read_only=read_only)
    run_dir = first_run(tmp_path / "second")
    assert cli(["--db", str(path), "load", str(run_dir)]) == 1
    assert "is truncated" in capsys.readouterr().err
    for command in (["reindex"], ["publish"], ["sql", "select 1"], ["info"]):
        assert cli(["--db", str(path), *command]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is truncated" in err, err
    with pytest.raises(INPUT_ERRORS) as error:
        check_paths(path, tmp_path / "runs")
    assert "is truncated" in problem(error.value)
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.duckdb", "runs", "second"]


def test_file_shortened_by_duckdb_itself_opens(loaded: Path, tmp_path: Path) -> None:
    """DuckDB drops free blocks from the end of the file without rewriting the block count in
    the header: that file is whole and must open (the check reads which blocks are in use)."""
    path = tmp_path / "news.duckdb"
    path.write_bytes(loaded.read_bytes())
    con = duckdb.connect(str(path))  # blocks used at the end of the file, then freed
    con.execute("create table scratch as select range as i, repeat('x', 500) as s "
                "from range(20000)")
    con.execute("checkpoint")
    con.execute("drop table scratch")
    con.execute("checkpoint")
    con.close()
    head = path.read_bytes()[: 3 * 4096]
    blocks, block_size = max(struct.unpack_from("<5Q", head, o + 8) for o in (4096, 8192))[3:]
    assert path.stat().st_size < 3 * 4096 + blocks * block_size  # shortened: the slow path runs
    connect(path, read_only=True).close()
    with connect(path) as con:
        assert con.execute("select count(*) from articles").fetchone() == (3,)


def _foreign(path: Path, sql: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.close()
    return path


@pytest.mark.parametrize("schema", [
    "create table customers as select range as id from range(100)",
    # Another migration tool's bookkeeping under the same table name:
    "create table schema_migrations (version varchar primary key); "
    "insert into schema_migrations values ('20230101120000'); create table users (id int)",
    "create table schema_migrations (version integer, name varchar, applied_at timestamptz); "
    "insert into schema_migrations values (1, '0001_init', now()); create table t (i int)",
])
def test_database_of_another_program_gets_none_of_our_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], schema: str
) -> None:
    path = _foreign(tmp_path / "theirs.duckdb", schema)
    before = _digest(path)
    with pytest.raises(WarehouseError, match="is a DuckDB database of another program"):
        connect(path)
    assert cli(["--db", str(path), "load", str(first_run(tmp_path))]) == 1
    assert "another program" in capsys.readouterr().err
    with pytest.raises(INPUT_ERRORS, match="another program"):
        check_paths(path, tmp_path / "runs")
    assert _digest(path) == before
    assert not path.with_name(path.name + ".wal").exists()
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert "articles" not in tables and "outlets" not in tables


def test_an_empty_duckdb_file_becomes_a_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    with connect(path) as con:
        assert con.execute("select count(*) from articles").fetchone() == (0,)


def test_space_needed_is_a_read_copy_plus_the_loads_growth(loaded: Path, tmp_path: Path) -> None:
    run_dir = first_run(tmp_path)
    files = [RunFolder(run_dir).articles, *(run_dir / RAW).glob("*"),
             *(run_dir / FETCHES).glob("*")]
    inputs = sum(f.stat().st_size for f in files)
    assert health.run_input_bytes(run_dir) == inputs
    assert health.required_bytes(loaded, inputs) == (
        loaded.stat().st_size + health.GROWTH * inputs + health.MARGIN)
    health.check_space(loaded, run_dir)  # this disk has room
    assert health.free_bytes(tmp_path / "not" / "yet") == health.free_bytes(tmp_path)


def test_no_room_is_refused_before_the_load(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "news.duckdb"
    connect(db).close()
    before = _digest(db)
    # As if the disk had 1 MB left: the real-disk version of this is
    # tests/scenarios/test_warehouse_disk.py.
    monkeypatch.setattr(health, "free_bytes", lambda path: 2**20)
    assert cli(["--db", str(db), "load", str(first_run(tmp_path))]) == 1
    err = capsys.readouterr().err
    assert "not enough free space" in err and "1.0 MB free" in err and err.count("\n") == 1
    assert _digest(db) == before
    with pytest.raises(INPUT_ERRORS, match="not enough free space"):
        check_paths(db, tmp_path / "runs")
    assert _digest(db) == before
