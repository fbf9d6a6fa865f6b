"""Extraction and load run in processes of their own (``python -m pipeline.extract_process``,
``python -m warehouse load``): their command lines, their errors, and the flow process that
never imports the extractor."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from khabar.run.layout import RunFolder
from tests.support import ROOT
from tests.support.runs import first_run
from warehouse import connect, read_copy_path
from warehouse.load import record_run_start


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)


def test_warehouse_load_command_loads_publishes_and_reloads_the_same(tmp_path: Path) -> None:
    run_dir = first_run(tmp_path)
    db = tmp_path / "news.duckdb"
    with connect(db) as con:
        record_run_start(con, "r1", "nightly", {})
    first = run("-m", "warehouse", "--db", str(db), "load", str(run_dir), "--json")
    assert first.returncode == 0, first.stderr
    outcome = json.loads(first.stdout.splitlines()[-1])
    assert outcome["run_id"] == "r1"  # from the folder's name
    assert outcome["total"]["articles_new"] == 3
    assert outcome["total"]["non_articles"] == 1
    assert outcome["total"]["errors"] == 3  # a page and two failed fetches
    assert outcome["read_copy"] == str(read_copy_path(db))
    again = run("-m", "warehouse", "--db", str(db), "load", str(run_dir), "--json")
    assert json.loads(again.stdout.splitlines()[-1])["total"] == outcome["total"]
    with duckdb.connect(str(read_copy_path(db)), read_only=True) as copy:
        assert copy.execute("select count(*) from articles").fetchone()[0] == 3


def test_warehouse_load_command_fails_in_one_line(tmp_path: Path) -> None:
    run_dir = first_run(tmp_path)
    db = tmp_path / "news.duckdb"
    with connect(db) as con:
        record_run_start(con, "other", "nightly", {})
    wrong_run = run("-m", "warehouse", "--db", str(db), "load", str(run_dir), "--run-id", "other")
    assert wrong_run.returncode == 1
    assert len(wrong_run.stderr.strip().splitlines()) == 1
    assert wrong_run.stderr.startswith("error: ") and "'r1'" in wrong_run.stderr
    with connect(db) as con:
        assert con.execute("select count(*) from articles").fetchone()[0] == 0


def test_extract_process_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    hints = tmp_path / "hints.json"
    hints.write_text(json.dumps({"lebrief": {"no_such_field": 1}}))
    (tmp_path / "run").mkdir()
    bad = run("-m", "pipeline.extract_process", str(tmp_path / "run"), "--hints", str(hints))
    assert bad.returncode == 1 and bad.stderr.startswith(f"error: bad hints file {hints}")
    missing = run("-m", "pipeline.extract_process", str(tmp_path / "nowhere"))
    assert not (tmp_path / "nowhere").exists()
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"error: {tmp_path / 'nowhere'} is not a run folder"


def test_extract_process_prints_the_summary_of_a_run(tmp_path: Path) -> None:
    run_dir = first_run(tmp_path)
    RunFolder(run_dir).articles.unlink()
    done = run("-m", "pipeline.extract_process", str(run_dir), "--workers", "0")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["pages"] == 5 and set(summary["verdicts"]) == {"lebrief", "hespress"}
    assert RunFolder(run_dir).articles.exists() and RunFolder(run_dir).pages.exists()


def test_the_flow_process_never_imports_the_extractor() -> None:
    done = run("-c", "import sys, flows.nightly, flows.backfill; "
               "print(sorted(m for m in ('trafilatura', 'py3langid') if m in sys.modules))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
