"""Readers and the nightly load side by side, with real processes holding real file locks.

The rule (warehouse/publish.py): the loader alone opens ``news.duckdb`` and waits, for a bounded
time, for anyone holding it; analysts open ``news.read.duckdb``, which each load replaces by an
atomic rename, so a reader never blocks the load and the load never blocks a reader.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.runs import art, words, write_run
from warehouse import WarehouseError, after_load, connect, connect_read_copy, read_copy_path
from warehouse.load import load_run

# A stand-in for the DuckDB CLI: opens a file, answers "count" with the articles it sees, and
# keeps the file open until stdin closes.
HOLDER = textwrap.dedent("""
    import sys
    import duckdb
    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
    print("held", flush=True)
    for line in sys.stdin:
        print(con.execute("select count(*) from articles").fetchone()[0], flush=True)
""")


@contextmanager
def holder(path: Path, mode: str) -> Iterator[subprocess.Popen[str]]:
    """A separate process holding ``path`` open (``ro`` or ``rw``) until the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), mode],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        if proc.poll() is None:
            proc.communicate("", timeout=30)


def ask_count(proc: subprocess.Popen[str]) -> int:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("count\n")
    proc.stdin.flush()
    return int(proc.stdout.readline())


def _run(tmp_path: Path, run_id: str, n: int, offset: int = 0) -> Path:
    pages = [art("lebrief", f"a{offset + i}", words(offset + i)) for i in range(n)]
    return write_run(tmp_path / "runs", run_id, pages)


def _loaded(tmp_path: Path) -> Path:
    path = tmp_path / "news.duckdb"
    con = connect(path)
    load_run(con, "r1", _run(tmp_path, "r1", 2))
    con.close()
    return path


def test_loader_waits_for_a_holder_then_loads(tmp_path: Path) -> None:
    path = _loaded(tmp_path)
    with holder(path, "ro") as proc:
        assert proc.stdin is not None
        threading.Timer(1.0, proc.stdin.close).start()  # the analyst closes the CLI after 1 s
        started = time.monotonic()
        con = connect(path, wait=30)
        waited = time.monotonic() - started
    assert 0.8 < waited < 15
    load_run(con, "r2", _run(tmp_path, "r2", 1, offset=10))
    assert con.execute("select count(*) from articles").fetchone() == (3,)
    con.close()


def test_loader_gives_up_after_the_bound_naming_the_holder(tmp_path: Path) -> None:
    path = _loaded(tmp_path)
    with holder(path, "rw") as proc:
        started = time.monotonic()
        with pytest.raises(WarehouseError) as error:
            connect(path, wait=1.0)
        waited = time.monotonic() - started
    assert 0.9 < waited < 5
    message = str(error.value)
    assert "still after waiting 1 s" in message
    assert f"PID {proc.pid}" in message and HOLDER.split()[0] in message  # its command line
    assert "news.read.duckdb" in message


@pytest.mark.parametrize("mode", ["ro", "rw"])  # `duckdb news.read.duckdb` opens read-write
def test_publish_replaces_the_read_copy_under_an_open_reader(tmp_path: Path, mode: str) -> None:
    path = _loaded(tmp_path)
    copy = after_load(path)
    assert copy == read_copy_path(path) == tmp_path / "news.read.duckdb"
    with holder(copy, mode) as reader:
        assert ask_count(reader) == 2
        con = connect(path, wait=0)  # the main file is free: the reader holds only the copy
        load_run(con, "r2", _run(tmp_path, "r2", 3, offset=10))
        con.close()
        assert after_load(path) == copy
        assert ask_count(reader) == 2  # its snapshot is the old file, untouched
        fresh = connect_read_copy(path)
        assert fresh.execute("select count(*) from articles").fetchone() == (5,)
        hits = fresh.execute("select count(*) from search_articles(?)", [words(11).split()[0]])
        assert hits.fetchone()[0] >= 1  # the copy carries the rebuilt index and its macro
        fresh.close()
    assert not list(tmp_path.glob(".*tmp"))  # no temp file left behind


def test_cli_publish_then_readers_use_the_copy(tmp_path: Path, monkeypatch, capsys) -> None:
    from warehouse.__main__ import main as cli

    path = _loaded(tmp_path)
    monkeypatch.setenv("KHABAR_DB", str(path))
    assert cli(["publish"]) == 0
    assert "news.read.duckdb" in capsys.readouterr().out
    # The CLI's readers open the copy, so they work while someone holds the main file.
    with holder(path, "rw"):
        assert cli(["info"]) == 0
        out = capsys.readouterr().out
        assert "news.read.duckdb" in out
        assert cli(["sql", "select count(*) as n from search_articles('maroc')"]) == 0
        assert "(1 row)" in capsys.readouterr().out
