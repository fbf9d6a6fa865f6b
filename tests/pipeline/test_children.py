"""Every process a flow starts dies with its parent, has a timeout, and leaves nothing behind
(``flows/children.py``). Real processes, killed with SIGKILL by PID: the extraction process
with its forkserver pool, a pool worker, a child past its timeout, Prefect's temporary server's
guard. Before these rules a killed extraction process hung the night for ever (issue 15)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from khabar.run.layout import RunFolder
from pipeline.children import ChildFailed, run_json_child
from tests.support import ROOT
from tests.support.processes import descendants, pool_of, wait_for
from tests.support.processes import survivors as gone
from tests.support.runs import art, words, write_run

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="death signals and pidfds are Linux's")]


def big_run(tmp_path: Path, pages: int = 400) -> Path:
    """A run folder whose extraction lasts seconds (its pages have no articles.parquet yet)."""
    run_dir = write_run(tmp_path / "runs", "r1",
                        [art("lebrief", f"a-{i}", words(i, 300)) for i in range(pages)])
    RunFolder(run_dir).articles.unlink()
    return run_dir


def extract_in_thread(run_dir: Path) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["summary"] = run_json_child(
                [sys.executable, "-m", "pipeline.extract_process", str(run_dir), "--workers", "2"],
                "the extraction process", timeout=120)
        except ChildFailed as exc:
            outcome["error"] = str(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_killed_extraction_process_fails_in_seconds_and_leaves_nothing(tmp_path: Path):
    thread, outcome = extract_in_thread(big_run(tmp_path))
    pool = wait_for(lambda: pool_of(os.getpid(), 2), 120, "extraction pool")
    child = psutil.Process(pool[0].ppid())
    tree = [child, *descendants(child.pid)]
    started = time.monotonic()
    child.kill()
    thread.join(30)
    assert not thread.is_alive(), "the flow's task still waits for the killed extraction"
    assert time.monotonic() - started < 30
    assert outcome["error"].startswith("the extraction process failed: killed by SIGKILL")
    assert gone(tree, 10) == []


def test_pool_workers_die_with_their_extraction_process_alone(tmp_path: Path):
    """The flow killed: nobody kills the extraction's group; its workers must follow it."""
    run_dir = big_run(tmp_path)
    child = subprocess.Popen([sys.executable, "-m", "pipeline.extract_process", str(run_dir),
                              "--workers", "2"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        pool = wait_for(lambda: pool_of(child.pid, 2), 120, "extraction pool")
        tree = descendants(child.pid)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        left = gone(tree, 10)
        assert left == [], [p.cmdline()[:3] for p in left]
        assert len(pool) == 3
    finally:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_killed_pool_worker_fails_the_extraction_with_its_reason(tmp_path: Path):
    thread, outcome = extract_in_thread(big_run(tmp_path))
    pool = wait_for(lambda: pool_of(os.getpid(), 2), 120, "extraction pool")
    child = psutil.Process(pool[0].ppid())
    tree = [child, *descendants(child.pid)]
    pool[-1].kill()  # one worker, as the OOM killer picks the largest
    thread.join(60)
    assert not thread.is_alive()
    assert outcome["error"].startswith("the extraction process failed: exit 1: error: an "
                                       "extraction worker process died"), outcome
    assert gone(tree, 10) == []
    assert not RunFolder.tmp(RunFolder(tmp_path / "runs" / "r1").articles).exists()


def test_a_child_past_its_timeout_is_killed_with_its_group(tmp_path: Path):
    pids = tmp_path / "pids"
    script = ("import os, subprocess, sys, time; "
              "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)']); "
              f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{g.pid}}'); time.sleep(300)")
    started = time.monotonic()
    with pytest.raises(ChildFailed, match=r"the sleeper failed: still running after 3 s: "
                                          r"killed \(timeout\)"):
        run_json_child([sys.executable, "-c", script], "the sleeper", timeout=3)
    assert time.monotonic() - started < 20
    tree = [psutil.Process(int(pid)) for pid in pids.read_text().split()
            if psutil.pid_exists(int(pid))]
    assert gone(tree, 5) == []


def test_a_guarded_process_dies_with_the_process_that_guards_it(tmp_path: Path):
    """Prefect's temporary server is started by Prefect; ``guard_process`` ties it to the flow
    process: SIGKILL the flow, the server goes too."""
    pids = tmp_path / "pids"
    script = (
        "import subprocess, sys, time\n"
        "from pipeline.children import guard_process\n"
        "server = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
        "guard = guard_process(server.pid)\n"
        f"open({str(pids)!r}, 'w').write(f'{{server.pid}} {{guard.pid}}')\n"
        "time.sleep(300)\n")
    flow = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT,
                            start_new_session=True)
    try:
        wait_for(lambda: pids.exists() and pids.read_text(), 60, "server and guard")
        server, guard = (psutil.Process(int(p)) for p in pids.read_text().split())
        os.kill(flow.pid, signal.SIGKILL)
        flow.wait(10)
        assert gone([server, guard], 10) == []
    finally:
        try:
            os.killpg(flow.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
