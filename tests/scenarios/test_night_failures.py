"""A night that cannot finish ends in seconds with one line, and leaves nothing running and
nothing lost (issue 15). Real flow runs under the session's Prefect API, real processes killed
by PID with SIGKILL, a real small file system (tmpfs) for the full disk, outlets whose hosts do
not resolve (``.invalid``) for the offline case: nothing here reaches the internet.

* the extraction process killed (the likeliest OOM victim): the flow used to wait for ever;
* a crawl killed mid-crawl: its cut files used to fail the whole night's load;
* the flow process killed: the extraction pool and the temporary Prefect server used to live on;
* the run folder's disk filling during the night; too little free space before it;
* going live while offline: used to take 3 minutes of retries and two tracebacks.

The long versions (kills per stage followed night after night until every article is stored)
are ``make reliability``'s (``tests/scenarios/faults.py``,
``tests/scenarios/reliability_report.py``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from khabar.run.layout import LOGS, RunFolder
from khabar.run.salvage import complete_records, file_problem
from pipeline.crawl import crawl_outlet
from pipeline.extraction import extract_run
from pipeline.params import CrawlScope
from pipeline.preflight import PreflightError, check_runs_dir
from snapshot import SNAPSHOT_WARC
from tests.scenarios.faults import (
    SLOW_CRAWL_SETTINGS,
    extraction_process,
    kill_when,
    night_status,
    offline_registry,
    small_disk,
)
from tests.support import ROOT
from tests.support.processes import command_under, descendants, pool_of, survivors, wait_for
from tests.support.runs import first_run
from warehouse import connect
from warehouse.load import load_run, record_run_start

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="death signals, pidfds and tmpfs are Linux's")]



def test_a_killed_extraction_process_fails_the_night_with_its_reason(prefect_harness,
                                                                       tmp_path: Path) -> None:
    from flows.nightly import nightly

    db = tmp_path / "news.duckdb"
    killer = kill_when(lambda: extraction_process(os.getpid()))
    started = time.monotonic()
    state = nightly(scope=CrawlScope(outlets=["lebrief"]), snapshot=True, db_path=str(db),
                    runs_dir=str(tmp_path / "runs"), return_state=True)
    seconds = time.monotonic() - started
    assert killer.killed is not None, "the extraction process was never seen"
    assert state.is_failed()
    assert state.message.startswith("the extraction process failed: killed by SIGKILL"), \
        state.message
    assert seconds < 240
    status, counts = night_status(db)
    assert status == "failed" and counts["error"] == state.message
    assert survivors(killer.tree, 10) == []


def test_a_crawl_killed_mid_crawl_leaves_the_others_whole_and_its_records_loadable(
        tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "r1"
    options = {"snapshot_warc": SNAPSHOT_WARC}
    results: dict = {}

    def crawl(outlet: str, settings: dict[str, str]) -> None:
        results[outlet] = crawl_outlet(outlet, run_dir, "r1", settings=settings, **options)

    slow = threading.Thread(target=crawl, args=("lebrief", SLOW_CRAWL_SETTINGS))
    other = threading.Thread(target=crawl, args=("maghress_fr", {}))
    slow.start()
    other.start()
    raw = RunFolder(run_dir).raw_file("lebrief")
    wait_for(lambda: raw.exists() and len(list(complete_records(raw))) >= 3, 120,
             "three lebrief pages")
    scrapy = command_under(os.getpid(), "scrapy", "crawl", "lebrief")
    assert scrapy is not None
    scrapy.kill()
    slow.join(60)
    other.join(120)
    assert results["lebrief"].returncode == -signal.SIGKILL
    assert (file_problem(raw) or "").startswith("cut")
    written = len(list(complete_records(raw)))
    summary = extract_run(run_dir, {}, workers=0)
    assert summary.verdicts["lebrief"]["article"] >= written - 1  # a listing page may be one
    assert sum(summary.verdicts["maghress_fr"].values()) == 12
    cut_file = raw.relative_to(run_dir).as_posix()  # raw/lebrief.jsonl.gz
    assert any(line.startswith(f"{cut_file} was cut") for line in summary.damaged_files)
    with connect(tmp_path / "news.duckdb") as con:
        record_run_start(con, "r1", "nightly", {})
        report = load_run(con, "r1", run_dir)
    assert report.outlets["maghress_fr"].pages == 12
    assert report.outlets["lebrief"].pages == written


def test_killing_the_flow_process_leaves_no_process_behind(tmp_path: Path) -> None:
    """``python -m flows.nightly`` without a Prefect server (its temporary one), SIGKILLed
    alone while its extraction pool runs: nothing it started may survive it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PYTHONUNBUFFERED="1")
    flow = subprocess.Popen([sys.executable, "-m", "flows.nightly", "--snapshot", "--outlets",
                             "lebrief", "--db", str(tmp_path / "news.duckdb"), "--runs-dir",
                             str(tmp_path / "runs")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_for(lambda: flow.poll() is not None or pool_of(flow.pid, 1), 300, "extraction pool")
        assert flow.poll() is None, "the flow ended before its extraction pool was seen"
        tree = descendants(flow.pid)
        names = " ".join(" ".join(p.cmdline()) for p in tree)
        assert "uvicorn" in names and "forkserver" in names and "extract_process" in names
        os.kill(flow.pid, signal.SIGKILL)
        flow.wait(10)
        left = survivors(tree, 15)
        assert left == [], [" ".join(p.cmdline())[:80] for p in left]
    finally:
        try:
            os.killpg(flow.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_too_little_free_space_is_refused_before_the_night(tmp_path: Path,
                                                           monkeypatch) -> None:
    with small_disk(tmp_path / "small", "2m") as mount:
        monkeypatch.setenv("KHABAR_MIN_FREE_MB", "5")
        with pytest.raises(PreflightError, match=rf"only 2\.0 MB free on {mount} for run files "
                                                 rf"under {mount}/runs; a night may need "
                                                 r"5\.0 MB"):
            check_runs_dir(mount / "runs")
        monkeypatch.setenv("KHABAR_MIN_FREE_MB", "1")
        check_runs_dir(mount / "runs")
        monkeypatch.setenv("KHABAR_MIN_FREE_MB", "lots")
        with pytest.raises(PreflightError, match="KHABAR_MIN_FREE_MB='lots' is not a whole"):
            check_runs_dir(mount / "runs")


def test_a_disk_filling_during_the_night_ends_it_in_one_line_and_loses_nothing(
        prefect_harness, tmp_path: Path, monkeypatch) -> None:
    from flows.nightly import nightly

    db = tmp_path / "news.duckdb"
    with connect(db) as con:  # a night stored before
        record_run_start(con, "r1", "nightly", {})
        load_run(con, "r1", first_run(tmp_path))
        before = con.execute("select count(*), sum(hash(text)) from articles").fetchone()
    monkeypatch.setenv("KHABAR_MIN_FREE_MB", "0")  # past the preflight, as a disk filling later
    with small_disk(tmp_path / "small", "160k") as mount:
        state = nightly(snapshot=True, db_path=str(db), runs_dir=str(mount / "runs"),
                        return_state=True)
        assert state.is_failed()
        assert state.message.startswith(f"no space left on {mount} (run folder {mount}/runs/"), \
            state.message
        assert "\n" not in state.message
        left = list(mount.rglob("*.parquet.tmp"))
    assert left == []  # the extraction cleans up what it could not finish
    status, counts = night_status(db)
    assert status == "failed" and counts["error"] == state.message
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*), sum(hash(text)) from articles").fetchone() == before


def test_going_live_while_offline_fails_the_night_in_seconds(prefect_harness,
                                                             tmp_path: Path,
                                                             monkeypatch, capsys) -> None:
    from flows.nightly import nightly

    registry = offline_registry(tmp_path / "outlets.yaml", ["offline_a", "offline_b"])
    monkeypatch.setenv("KHABAR_REGISTRY", str(registry))
    for name in ("https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    db = tmp_path / "news.duckdb"
    started = time.monotonic()
    state = nightly(scope=CrawlScope(outlets=["offline_a", "offline_b"]), db_path=str(db),
                    runs_dir=str(tmp_path / "runs"), return_state=True)
    assert time.monotonic() - started < 30
    assert state.is_failed()
    assert state.message.startswith("offline: none of the 2 outlets can be reached "
                                    "(offline_a: offline-a.invalid does not resolve"), \
        state.message
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert not (run_dir / LOGS).exists()  # not one crawl started
    status, counts = night_status(db)
    assert status == "failed" and counts["error"] == state.message
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from fetches").fetchone()[0] == 0
    # The command: its last line says why, and no empty table of a night that never crawled.
    from flows.nightly import main

    assert main(["--outlets", "offline_a,offline_b", "--db", str(db), "--runs-dir",
                 str(tmp_path / "runs")]) == 1
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith("Failed: offline: none of the 2 outlets")
    assert "pages fetched" not in out
    assert yaml.safe_load(registry.read_text())["outlets"][0]["id"] == "offline_a"
