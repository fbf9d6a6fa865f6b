"""``python -m warehouse``: commands that would lose data refuse first, with one line, and leave
every file as it was; output that people read shows where it is cut and how to see it whole.

Each test builds a real warehouse (DuckDB file + read copy) in ``tmp_path`` from a run folder
written as the crawler and the extraction write it (``tests.support.runs.write_run``), and runs the
command line in this process (``warehouse.__main__.main``: what ``python -m warehouse`` runs).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from khabar.run.layout import FETCHES, RunFolder
from tests.support.runs import T0, art, first_run, words, write_run
from warehouse import connect, read_copy_path
from warehouse.__main__ import main as cli
from warehouse.db import migrations
from warehouse.load import load_run
from warehouse.targets import MANIFEST


def _state(*paths: Path) -> dict[str, str]:
    """Every file under ``paths`` with a hash of its bytes: equal means nothing changed."""
    found = {}
    for root in paths:
        for path in [root, *root.rglob("*")] if root.is_dir() else [root]:
            if path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.exists():
                found[str(path)] = "dir"
    return found


def _loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """A warehouse with run r1 loaded and its read copy published; (db, run folder)."""
    db = tmp_path / "wh" / "news.duckdb"
    run_dir = first_run(tmp_path)
    assert cli(["--db", str(db), "load", str(run_dir)]) == 0
    capsys.readouterr()
    return db, run_dir


def _count(db: Path, query: str) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query).fetchone()


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error: "), err
    return err


# --- load: refuse what is not a loadable run folder, before any write --------------------------


@pytest.mark.parametrize("case, expected", [
    ("missing", "does not exist"),
    ("empty", "is not a run folder"),
    ("not_extracted", "was crawled but never extracted"),
    ("cut_short", "did not finish"),
    ("no_rows_other_name", "holds no rows that name their run"),
    ("a_file", "is not a run folder but a file"),
])
def test_load_refuses_a_folder_that_is_not_a_loadable_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, expected: str
) -> None:
    db, run_dir = _loaded(tmp_path, capsys)
    folder = tmp_path / "runs" / "other"
    if case == "empty":
        folder.mkdir()
    elif case == "not_extracted":  # the crawl's files, no extraction
        shutil.copytree(run_dir, folder)
        RunFolder(folder).articles.unlink()
    elif case == "cut_short":
        shutil.copytree(run_dir, folder)
        RunFolder(folder).articles.rename(RunFolder.tmp(RunFolder(folder).articles))
    elif case == "no_rows_other_name":  # a night that fetched nothing, loaded as another run
        folder.mkdir()
        table = pq.read_table(RunFolder(run_dir).articles)
        pq.write_table(table.slice(0, 0), RunFolder(folder).articles)
    elif case == "a_file":
        folder.write_text("x")
    before = _state(db.parent)
    assert cli(["--db", str(db), "load", str(folder), "--run-id", "r1"]) == 1
    assert expected in _error(capsys)
    assert _state(db.parent) == before  # the warehouse, its WAL and the read copy
    assert _count(db, "select count(*) from articles where run_id = 'r1'") == (3,)


def test_load_into_a_new_warehouse_refused_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new" / "news.duckdb"
    assert cli(["--db", str(db), "load", str(tmp_path / "runs" / "typo")]) == 1
    assert "does not exist" in _error(capsys)
    assert not db.parent.exists()


def test_reload_after_deleting_raw_keeps_the_stored_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, run_dir = _loaded(tmp_path, capsys)
    query = "select count(*), count(body), sum(octet_length(body)) from pages"
    stored = _count(db, query)
    assert stored[0] == stored[1] == 5
    shutil.rmtree(RunFolder(run_dir).raw_dir)  # "safe once loaded"
    assert cli(["--db", str(db), "load", str(run_dir), "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert outcome["kept_pages"] == ["hespress", "lebrief"]
    assert outcome["replaced"]["pages"] == 5 and outcome["total"]["pages"] == 5
    assert _count(db, query) == stored
    # One outlet's raw file back with fewer pages: that outlet's pages are replaced, the other's
    # (its file still gone) kept.
    write_run(tmp_path / "again", "r1", [art("lebrief", "budget-2026", words(1))])
    RunFolder(run_dir).raw_dir.mkdir()
    shutil.copy(RunFolder(tmp_path / "again" / "r1").raw_file("lebrief"),
                RunFolder(run_dir).raw_dir)
    assert cli(["--db", str(db), "load", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "replaced its earlier load: pages 5" in out
    assert "kept the stored pages of hespress" in out
    assert _count(db, "select count(*) from pages where outlet = 'lebrief'") == (1,)
    assert _count(db, "select count(*) from pages where outlet = 'hespress'") == (2,)


def test_deleting_the_fetch_log_keeps_the_stored_fetches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, run_dir = _loaded(tmp_path, capsys)
    shutil.rmtree(run_dir / FETCHES)
    assert cli(["--db", str(db), "load", str(run_dir)]) == 0
    assert _count(db, "select count(*) from fetches") == (7,)


# --- export: replaces only an export it wrote --------------------------------------------------


def test_export_refuses_what_it_did_not_write_and_says_what_it_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = _loaded(tmp_path, capsys)
    mine = tmp_path / "mine"
    (mine / "notes").mkdir(parents=True)
    (mine / "notes" / "todo.txt").write_text("mine")
    a_file = tmp_path / "report.csv"
    a_file.write_text("a,b\n")
    for target, expected in ((mine, "was not written by `warehouse export`"),
                             (a_file, "is a file")):
        before = _state(target, db.parent)
        assert cli(["--db", str(db), "export", str(target)]) == 1
        assert expected in _error(capsys)
        assert _state(target, db.parent) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".mine", ".report"))]

    out = tmp_path / "export"
    assert cli(["--db", str(db), "export", str(out)]) == 0
    assert "(new directory)" in capsys.readouterr().out
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["articles"] == 3 and len(manifest["files"]) == 2
    assert cli(["--db", str(db), "export", str(out)]) == 0
    assert f"replaced the export of {manifest['exported_at']} (2 files, 3 articles)" in \
        capsys.readouterr().out
    # A file someone saved into the export would be lost: refused, named.
    (out / "my-analysis.ipynb").write_text("{}")
    assert cli(["--db", str(db), "export", str(out)]) == 1
    assert "my-analysis.ipynb" in _error(capsys)
    assert (out / "my-analysis.ipynb").exists()


def test_export_takes_an_empty_directory_and_an_export_from_before_manifests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = _loaded(tmp_path, capsys)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli(["--db", str(db), "export", str(empty)]) == 0
    assert "replaced an empty directory" in capsys.readouterr().out
    (empty / MANIFEST).unlink()  # as an older khabar left it: Parquet partitions only
    assert cli(["--db", str(db), "export", str(empty)]) == 0
    assert "replaced an export from before manifests (2 files)" in capsys.readouterr().out


# --- publish: the read copy path holds a read copy or nothing -----------------------------------


def test_publish_refuses_a_file_that_is_not_a_read_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = _loaded(tmp_path, capsys)
    copy = read_copy_path(db)
    foreign = duckdb.connect(str(tmp_path / "theirs.duckdb"))
    foreign.execute("create table customers as select 1 as id")
    foreign.close()
    for content in (b"not a database at all", (tmp_path / "theirs.duckdb").read_bytes()):
        copy.write_bytes(content)
        before = _state(db.parent)
        assert cli(["--db", str(db), "publish"]) == 1
        assert "is not a read copy of this warehouse" in _error(capsys)
        assert _state(db.parent) == before
    copy.unlink()
    assert cli(["--db", str(db), "publish"]) == 0
    assert "(new file)" in capsys.readouterr().out
    assert cli(["--db", str(db), "publish", "--skip-index"]) == 0
    assert "(replaced the one of " in capsys.readouterr().out


def test_publish_removes_temporary_copies_of_dead_publishers_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = _loaded(tmp_path, capsys)
    copy = read_copy_path(db)
    dead = copy.with_name(f".{copy.name}.{_dead_pid()}.tmp")
    alive = copy.with_name(f".{copy.name}.{os.getppid()}.tmp")  # a live process (pytest's parent)
    for leftover in (dead, alive):
        leftover.write_bytes(b"\0" * 4096)
    assert cli(["--db", str(db), "publish", "--skip-index"]) == 0
    assert not dead.exists() and alive.exists()


def _dead_pid() -> int:
    """A process id that no process has (the kernel's limit is far above the highest in use)."""
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


# --- sql and search: output people can trust ---------------------------------------------------


def test_sql_marks_cut_cells_and_shows_them_whole_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "news.duckdb"
    long_slug = "une-tres-longue-adresse-" + "x" * 90
    run_dir = write_run(tmp_path / "runs", "r1", [art("lebrief", long_slug, words(1))],
                        fetched_at=T0)
    assert cli(["--db", str(db), "load", str(run_dir), "--no-publish"]) == 0
    capsys.readouterr()
    url = f"https://lebrief.ma/{long_slug}"
    query = "select canonical_url, word_count from articles"
    assert cli(["--db", str(db), "sql", query]) == 0
    out = capsys.readouterr().out
    assert url[:79] + "…" in out and url not in out
    assert "1 cell cut at 80 characters, marked …: --wide shows them whole" in out
    assert cli(["--db", str(db), "sql", query, "--wide"]) == 0
    assert url in capsys.readouterr().out
    assert cli(["--db", str(db), "sql", query, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"canonical_url": url, "word_count": 120}
    assert cli(["--db", str(db), "sql", query, "--format", "csv"]) == 0
    assert capsys.readouterr().out == f"canonical_url,word_count\n{url},120\n"
    assert cli(["--db", str(db), "reindex"]) == 0
    capsys.readouterr()
    assert cli(["--db", str(db), "search", words(1).split()[0], "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0])["canonical_url"] == url


def test_sql_cannot_write_any_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = _loaded(tmp_path, capsys)
    elsewhere = tmp_path / "other.duckdb"
    before = _state(db.parent)
    for statement in (
        f"ATTACH '{db}' AS rw (READ_WRITE); DELETE FROM rw.articles",
        f"ATTACH '{elsewhere}' AS other",
        "DELETE FROM articles",
        f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
        f"EXPORT DATABASE '{tmp_path / 'dump'}'",
        f"SET log_query_path = '{db}'",
        "SET enable_external_access = true",
        f"SELECT * FROM read_text('{db}')",
    ):
        assert cli(["--db", str(db), "sql", statement]) == 1, statement
        _error(capsys)
        assert cli(["sql", statement]) == 1  # the read copy, by default
        _error(capsys)
    assert _state(db.parent) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs", "wh"]
    # Reading works, the search macro included; temp tables live in memory.
    assert cli(["--db", str(db), "sql", "create temp table t as select 1 x; "
                "select count(*) n from articles"]) == 0
    assert "3" in capsys.readouterr().out


@pytest.fixture(autouse=True)
def _db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands without --db use the warehouse of this test (and its read copy)."""
    monkeypatch.setenv("KHABAR_DB", str(tmp_path / "wh" / "news.duckdb"))


def test_cli_sql_and_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "news.duckdb"
    con = connect(path)
    load_run(con, "r1", first_run(tmp_path))
    con.close()
    assert (
        cli(
            [
                "--db",
                str(path),
                "sql",
                "select outlet, count(*) n from articles group by 1 order by 1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "hespress" in out and "(2 rows)" in out
    assert cli(["--db", str(path), "info"]) == 0
    out = capsys.readouterr().out
    assert f"schema version: {migrations()[-1].version}" in out and "articles" in out
    assert cli(["--db", str(tmp_path / "missing.duckdb"), "info"]) == 1
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["reindex", "publish", "maintain"])
def test_maintenance_commands_refuse_a_missing_warehouse_and_create_nothing(
        tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KHABAR_WAREHOUSE", raising=False)
    mistyped = tmp_path / "nope" / "news.duckdb"
    assert cli(["--db", str(mistyped), command]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"{mistyped} does not exist" in err
    assert not (tmp_path / "nope").exists()
