"""Bad input from people gets one clear error naming the problem, before any work starts.

From the command line (``python -m flows.nightly``): exit code 2, one line on stderr, no
traceback, nothing crawled, no run recorded. From a flow call: an exception naming the problem
(a Failed state with ``return_state=True``). Most cases call ``flows.nightly.main`` in this
process; two run the real command to show what a person sees.
"""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from flows.nightly import main
from tests.support import ROOT

BAD_REGISTRY = """
outlets:
  - id: good_outlet
    name: Good
    home: https://good.ma/
    hosts: [good.ma]
    sources: [{kind: feed, url: https://good.ma/feed/}]
    article_patterns: ['^https://good\\.ma/\\d+/$']
  - id: Bad Outlet
    name: Bad
    hosts: [bad.ma]
    sources: [{kind: feed, url: https://bad.ma/feed/}]
    article_patterns: ['^https://bad\\.ma/\\d+/$']
"""


@pytest.fixture
def paths(tmp_path):
    """A warehouse and run folder that are fine, and a regular file to put paths under."""
    afile = tmp_path / "notes.txt"
    afile.write_text("not a directory\n")
    return {"db": tmp_path / "w" / "news.duckdb", "runs": tmp_path / "runs", "file": afile}


def _refused(capsys, argv: list[str], paths: dict, *needles: str, check_db: bool = True) -> str:
    """Run the command in-process; it must exit 2 with one line naming the problem and leave
    no trace of work (``check_db``: no run recorded in a warehouse that opens)."""
    try:
        code = main([*argv, "--runs-dir", str(paths["runs"])] if "--runs-dir" not in argv
                    else argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nightly: error: "), err
    assert "Traceback" not in out + err
    for needle in needles:
        assert needle in lines[0], lines[0]
    runs = paths["runs"]
    assert not runs.exists() or not any(runs.iterdir())  # nothing crawled
    db = paths["db"]
    if check_db and db.exists():
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("select count(*) from crawl_runs").fetchone()[0] == 0
    return lines[0]


def test_malformed_registry_entry(capsys, paths, tmp_path, monkeypatch):
    registry = tmp_path / "outlets.yaml"
    registry.write_text(BAD_REGISTRY)
    monkeypatch.setenv("KHABAR_REGISTRY", str(registry))
    _refused(capsys, ["--db", str(paths["db"])], paths, str(registry), "'Bad Outlet'", "home")
    assert not paths["db"].exists()


def test_unknown_outlet_names(capsys, paths):
    _refused(capsys, ["--outlets", "lebrief,le_brief,hespres", "--db", str(paths["db"])],
             paths, "unknown outlet(s) le_brief, hespres", "known: ")
    _refused(capsys, ["--outlets", "Le Brief", "--db", str(paths["db"])], paths,
             "outlets.0: String should match pattern")
    assert not paths["db"].exists()


@pytest.mark.parametrize(("argv", "needles"), [
    (["--since", "2026-02-01", "--until", "2026-01-01"],
     ["until (2026-01-01) is before since (2026-02-01)"]),
    (["--since", "2099-01-01"], ["since (2099-01-01) is in the future"]),
    (["--until", "2099-12-31"], ["until (2099-12-31) is in the future"]),
    (["--since", "2026-02-30"], ["argument --since: '2026-02-30' is not a date YYYY-MM-DD",
                                 "day is out of range for month"]),
    (["--since", "yesterday"], ["'yesterday' is not a date"]),
    (["--max-pages", "0"], ["max_pages: Input should be greater than or equal to 1"]),
    (["-s", "download_timeout=5"], ["String should match pattern"]),
    (["--parallel", "0"], ["--parallel: 0 is not between 1 and 64"]),
])
def test_impossible_dates_and_values(capsys, paths, argv, needles):
    _refused(capsys, ["--snapshot", *argv, "--db", str(paths["db"])], paths, *needles)
    assert not paths["db"].exists()


def test_warehouse_path_under_a_regular_file(capsys, paths):
    db = paths["file"] / "news.duckdb"
    _refused(capsys, ["--snapshot", "--db", str(db)], paths,
             f"warehouse file {db}: {paths['file']} is a file, not a directory")


def test_warehouse_path_that_cannot_be_written(capsys, paths):
    # /proc refuses new files even to root (which ignores directory permissions).
    _refused(capsys, ["--snapshot", "--db", "/proc/khabar/news.duckdb"], paths,
             "/proc/khabar", "No such file or directory")
    if os.geteuid() != 0:  # a read-only directory stops everyone but root
        locked = paths["file"].parent / "readonly"
        locked.mkdir()
        locked.chmod(0o555)
        _refused(capsys, ["--snapshot", "--db", str(locked / "news.duckdb")], paths,
                 str(locked), "not writable")


def test_run_folder_under_a_regular_file(capsys, paths):
    runs = paths["file"] / "runs"
    _refused(capsys, ["--snapshot", "--db", str(paths["db"]), "--runs-dir", str(runs)],
             {**paths, "runs": runs}, f"{paths['file']} is a file, not a directory")
    assert not paths["db"].exists()  # the run folder is checked first: no warehouse created


def test_corrupt_warehouse_is_named_and_left_untouched(capsys, paths):
    db = paths["db"]
    db.parent.mkdir(parents=True)
    garbage = b"SQLite format 3\x00" + bytes(range(256)) * 8
    db.write_bytes(garbage)
    _refused(capsys, ["--snapshot", "--db", str(db)], paths,
             str(db), "is not a DuckDB database file", "never created over it", check_db=False)
    assert db.read_bytes() == garbage
    # A real DuckDB header over a broken body: named too, never replaced.
    with duckdb.connect(str(paths["file"].parent / "ok.duckdb")) as con:
        con.execute("create table t as select range as x from range(1000)")
    header = (paths["file"].parent / "ok.duckdb").read_bytes()[:4096]
    db.write_bytes(header + b"\xff" * 8192)
    line = _refused(capsys, ["--snapshot", "--db", str(db)], paths, str(db), check_db=False)
    assert "Traceback" not in line and db.read_bytes() == header + b"\xff" * 8192


def test_locked_warehouse_names_the_holder(capsys, paths, monkeypatch):
    db = paths["db"]
    db.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
         "print('holding', flush=True); time.sleep(120)", str(db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setenv("KHABAR_LOCK_WAIT", "1")
        _refused(capsys, ["--snapshot", "--db", str(db)], paths, str(db),
                 "is locked by another process", f"PID {holder.pid}", check_db=False)
    finally:
        holder.kill()
        holder.wait()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from information_schema.tables").fetchone()[0] == 0


def test_the_real_command_prints_one_line_and_exits_2(paths):
    """What a person sees: no traceback, no Prefect server started, one line."""
    db = paths["file"] / "news.duckdb"
    commands = [  # a usage error (argparse), an input error (the preflight)
        [sys.executable, "-m", "flows.nightly", "--snapshot", "--since", "2026-02-30"],
        [sys.executable, "-m", "flows.nightly", "--snapshot", "--db", str(db)],
    ]
    env = {**os.environ, "KHABAR_RUNS_DIR": str(paths["runs"])}
    procs = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for c in commands]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for (code, out, err), needle in zip(results, ["2026-02-30", "is a file, not a directory"],
                                        strict=True):
        assert code == 2, (out, err)
        assert out == "" and err.count("\n") == 1 and needle in err, err
        assert "Traceback" not in err and "prefect" not in err.lower()
    assert not paths["runs"].exists() or not any(paths["runs"].iterdir())


# -- from a flow call ------------------------------------------------------------------------------

@pytest.mark.integration
def test_flow_call_fails_before_any_work(prefect_harness, paths):
    from flows.nightly import nightly
    from pipeline.params import CrawlScope
    from pipeline.preflight import PreflightError
    from registry import RegistryError
    from warehouse import WarehouseError

    db = paths["db"]
    with pytest.raises(RegistryError, match="unknown outlet"):
        nightly(scope=CrawlScope(outlets=["nope"]), db_path=str(db),
                runs_dir=str(paths["runs"]))
    state = nightly(snapshot=True, db_path=str(paths["file"] / "x.duckdb"),
                    runs_dir=str(paths["runs"]), return_state=True)
    assert state.is_failed() and "is a file, not a directory" in state.message
    with pytest.raises(PreflightError):
        state.result()
    db.parent.mkdir(parents=True)
    db.write_bytes(b"\x00" * 4096)
    with pytest.raises(WarehouseError, match="is not a DuckDB database file"):
        nightly(snapshot=True, db_path=str(db), runs_dir=str(paths["runs"]))
    assert db.read_bytes() == b"\x00" * 4096
    state = nightly(scope={"since": "2099-01-01"}, snapshot=True, db_path=str(paths["db"]),
                    runs_dir=str(paths["runs"]), return_state=True)
    assert state.is_failed() and "in the future" in str(state.message) + repr(state.data)
    assert not paths["runs"].exists() or not any(paths["runs"].iterdir())
