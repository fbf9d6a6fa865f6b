"""Run files cut by a killed writer (``khabar/run/salvage.py``): a writer killed at any moment
leaves every record it wrote readable; ``salvage_run`` keeps the complete records of a cut or
unreadable file, keeps its original bytes, and records it; the extraction and the loader read
the other outlets' files as usual and load the cut outlet as far as it was whole. Before (issue
15), one outlet's cut fetch log failed the whole night's load ("Input is not a GZIP stream")."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from khabar.run.layout import ARTICLES_FILE, DAMAGED_SUFFIX, FETCHES, RunFolder
from khabar.run.records import JsonlGzWriter
from khabar.run.salvage import complete_records, file_problem, read_damage, salvage_run
from pipeline.extraction import extract_run
from tests.support import ROOT
from tests.support.runs import art, first_run, words, write_run
from warehouse import connect
from warehouse.load import RunFilesError, load_run, record_run_start


def records(n: int) -> list[dict]:
    return [{"run_id": "r1", "outlet": "lebrief", "url": f"https://lebrief.ma/{i}",
             "body_b64": "x" * (500 + i)} for i in range(n)]


def write_file(path: Path, rows: list[dict]) -> None:
    with JsonlGzWriter(path) as writer:
        for row in rows:
            writer.write(row)


def cut(path: Path, keep: float) -> None:
    """Truncate ``path`` to ``keep`` of its bytes, as a killed writer leaves it."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILL")
def test_a_writer_killed_mid_file_leaves_every_record_it_wrote_readable(tmp_path: Path) -> None:
    path = RunFolder(tmp_path).raw_file("lebrief")
    script = (
        "import sys, time\n"
        "from khabar.run.records import JsonlGzWriter\n"
        f"w = JsonlGzWriter({str(path)!r})\n"
        "for i in range(10_000):\n"
        "    w.write({'i': i, 'body_b64': 'x' * 3000})\n"
        "    print(i, flush=True)\n"
        "    time.sleep(0.002)\n")
    writer = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    assert writer.stdout is not None
    for _ in range(50):
        written = int(writer.stdout.readline())
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    kept = list(complete_records(path))
    assert len(kept) > written  # every record it had said it wrote, and maybe one more
    assert [r["i"] for r in kept] == list(range(len(kept)))
    assert (file_problem(path) or "").startswith("cut")


@pytest.mark.parametrize("keep", [0.0, 0.03, 0.5, 0.97])
def test_salvage_keeps_the_complete_records_and_the_original_bytes(tmp_path: Path,
                                                                   keep: float) -> None:
    run_dir = tmp_path / "run"
    path = RunFolder(run_dir).fetches_file("lebrief")
    rows = records(40)
    write_file(path, rows)
    whole = path.read_bytes()
    cut(path, keep)
    damaged_bytes = path.read_bytes()
    expected = list(complete_records(path))
    assert len(expected) < 40
    assert expected == rows[: len(expected)]
    (damage,) = salvage_run(run_dir)
    assert file_problem(path) is None  # whole again: any gzip reader takes it
    with gzip.open(path, "rt") as lines:
        assert [json.loads(line) for line in lines] == expected
    assert (run_dir / damage.kept_as).read_bytes() == damaged_bytes != whole
    assert (damage.outlet, damage.kind, damage.records) == ("lebrief", FETCHES, len(expected))
    assert damage.error.startswith("cut") or damage.error.startswith("unreadable")
    assert read_damage(run_dir) == [damage]
    # DuckDB, which refused the cut file, reads the salvaged one.
    found = duckdb.sql(f"select count(*) from read_json('{path}', format='newline_delimited', "
                       "compression='gzip')").fetchone()[0] if expected else 0
    assert found == len(expected)
    assert salvage_run(run_dir) == [] and read_damage(run_dir) == [damage]  # done once


def test_garbage_is_unreadable_and_kept_aside(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    raw = RunFolder(run_dir).raw_file("x")
    raw.parent.mkdir(parents=True)
    raw.write_bytes(b"<html>not gzip</html>")
    (damage,) = salvage_run(run_dir)
    assert damage.records == 0 and damage.error.startswith("unreadable")
    assert raw.with_name(raw.name + DAMAGED_SUFFIX).read_bytes() == b"<html>not gzip</html>"
    assert list(complete_records(raw)) == []


def test_a_cut_fetch_log_loads_the_other_outlets_and_what_it_holds(tmp_path: Path) -> None:
    run_dir = first_run(tmp_path)  # lebrief: 3 fetches, hespress: 2 pages + 2 failed fetches
    fetches = RunFolder(run_dir).fetches_file("hespress")
    rows = [json.loads(line) for line in gzip.open(fetches, "rt")]
    write_file(fetches, rows)  # as the crawl writes it: flushed record by record
    cut(fetches, 0.7)
    kept = len(list(complete_records(fetches)))
    assert 0 < kept < len(rows)
    db = tmp_path / "news.duckdb"
    with connect(db) as con:
        record_run_start(con, "r1", "nightly", {})
        report = load_run(con, "r1", run_dir)
        by_outlet = dict(con.execute("select outlet, count(*) from fetches group by outlet")
                         .fetchall())
        assert con.execute("select count(*) from articles").fetchone()[0] == 3
    assert by_outlet == {"lebrief": 3, "hespress": kept}
    (line,) = report.damaged_files
    cut_file = fetches.relative_to(run_dir).as_posix()  # fetches/hespress.jsonl.gz
    assert line.startswith(f"{cut_file} was cut") and f"its {kept} complete" in line
    assert json.loads(RunFolder(run_dir).damage_file.read_text())[0]["outlet"] == "hespress"


def test_a_cut_raw_file_is_extracted_and_loaded_as_far_as_it_is_whole(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "runs", "r1",
                        [art("lebrief", f"a-{i}", words(i, 200)) for i in range(6)]
                        + [art("hespress", f"h-{i}", words(100 + i, 200)) for i in range(4)])
    RunFolder(run_dir).articles.unlink()
    raw = RunFolder(run_dir).raw_file("lebrief")
    write_file(raw, [json.loads(line) for line in gzip.open(raw, "rt")])
    cut(raw, 0.6)
    kept = len(list(complete_records(raw)))
    assert 0 < kept < 6
    summary = extract_run(run_dir, {}, workers=0)
    assert {o: sum(v.values()) for o, v in summary.verdicts.items()} == {"lebrief": kept,
                                                                       "hespress": 4}
    assert len(summary.damaged_files) == 1
    assert raw.relative_to(run_dir).as_posix() in summary.damaged_files[0]
    with connect(tmp_path / "news.duckdb") as con:
        record_run_start(con, "r1", "nightly", {})
        load_run(con, "r1", run_dir)
        pages = dict(con.execute("select outlet, count(*) from pages group by outlet").fetchall())
    assert pages == {"lebrief": kept, "hespress": 4}


def test_an_unreadable_articles_parquet_is_refused_in_one_line(tmp_path: Path) -> None:
    run_dir = first_run(tmp_path)
    cut(RunFolder(run_dir).articles, 0.5)
    with connect(tmp_path / "news.duckdb") as con:
        record_run_start(con, "r1", "nightly", {})
        with pytest.raises(RunFilesError, match=f"{ARTICLES_FILE} is unreadable .*extract the "
                                                "run again"):
            load_run(con, "r1", run_dir)
        assert con.execute("select count(*) from fetches").fetchone()[0] == 0


def test_a_cut_pages_parquet_falls_back_to_the_raw_files(tmp_path: Path) -> None:
    run_dir = first_run(tmp_path)
    extract_run(run_dir, {}, workers=0)
    cut(RunFolder(run_dir).pages, 0.5)
    with connect(tmp_path / "news.duckdb") as con:
        record_run_start(con, "r1", "nightly", {})
        load_run(con, "r1", run_dir)
        assert con.execute("select count(*) from pages").fetchone()[0] == 5
