"""The benchmark driver (``python -m bench``) with tiny fake modules in a temporary package:
it runs each in its own process, gathers the targets they write (``bench.report``) into the
summary, reports a failing or
missing module with its stderr and exits non-zero, and describes the machine."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import psutil
import pytest

from bench.__main__ import main

GOOD = '''
import argparse, pathlib
from bench.report import Section, Table, Target, Unit
parser = argparse.ArgumentParser()
parser.add_argument("--markdown", type=pathlib.Path)
parser.add_argument("--quick", action="store_true")
args = parser.parse_args()
print("good table printed", "quick" if args.quick else "full")
Section("Good module",
        [Table("", ["what", "seconds", "baseline", "ratio"], [["thing", "1.0", "2.0", "0.50"]],
               align=True)],
        targets=[Target("thing at most 0.8x baseline", 0.5, 0.8, "<="),
                 Target("other ≥ 100/s", 80, 100, ">=", Unit(".0f", "/s"),
                        why="the disk is slow")]).write(args.markdown)
'''

BAD = '''
import sys
print("about to fail")
print("Traceback: something broke in bad", file=sys.stderr)
sys.exit(3)
'''

SLOW = '''
import pathlib, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
pathlib.Path(sys.argv[sys.argv.index("--markdown") + 1]).with_name("slow.pid").write_text(
    str(child.pid))
print("started", flush=True)
time.sleep(60)
'''


@pytest.fixture
def fake_modules(tmp_path, monkeypatch):
    """A package ``fakebench`` with ``good`` and ``bad``, importable here and in children."""
    package = tmp_path / "fakebench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text(textwrap.dedent(GOOD))
    (package / "bad.py").write_text(textwrap.dedent(BAD))
    (package / "slow.py").write_text(textwrap.dedent(SLOW))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return tmp_path


def _run(tmp_path, *extra: str) -> tuple[int, str]:
    out = tmp_path / "BENCHMARKS.md"
    code = main(["--modules", "fakebench.good,fakebench.bad,fakebench.absent",
                 "--output", str(out), "--load-interval", "0.05", *extra])
    return code, out.read_text(encoding="utf-8")


def test_report_gathers_targets_and_reports_failures(fake_modules):
    code, report = _run(fake_modules, "--quick")
    assert code == 1
    assert report.startswith("# Khabar benchmarks (quick sizes)")
    # the machine, and its load around every module
    for what in ("| CPU |", "| cores |", "| RAM |", "| kernel |", "| Python |", "| prefect |",
                 "| scrapy |", "| duckdb |", "| trafilatura |", "git commit"):
        assert what in report
    assert report.count("load ") >= 4  # before and after, per module that ran
    # the summary holds both targets of the good module and the two modules that did not run
    summary = report.split("## Targets", 1)[1].split("## Good module", 1)[0]
    assert "1 of 2 targets met; 2 of 3 modules did not finish" in summary
    assert "| good | thing at most 0.8x baseline | ✅ met |" in summary
    assert "| good | other ≥ 100/s | ❌ missed by 20/s (the disk is slow) |" in summary
    assert "| bad | (the whole module) | ❌ failed: exited 3" in summary
    assert "| absent | (the whole module) | ❌ missing" in summary
    # sections: the good one as written (with its --quick seen), the bad one with its stderr
    assert "| thing | 1.0 | 2.0 | 0.50 |" in report
    assert "## bad\n\n**`fakebench.bad` failed: exited 3" in report
    assert "Traceback: something broke in bad" in report
    assert "## absent\n\n**`fakebench.absent` missing" in report


def test_only_runs_the_named_modules(fake_modules, capsys):
    code, report = _run(fake_modules, "--only", "good")
    assert code == 0
    assert "good table printed full" in capsys.readouterr().out
    assert "## bad" not in report and "## absent" not in report
    assert "1 of 2 targets met; 0 of 1 modules did not finish" in report


def test_a_module_over_its_timeout_is_stopped_with_its_children(fake_modules, monkeypatch):
    pids = []
    real_rmtree = shutil.rmtree

    def keep_pid(path, **kwargs):  # read the grandchild's pid before the work dir goes
        pid_file = Path(path) / "slow.pid"
        if pid_file.exists():
            pids.append(int(pid_file.read_text()))
        real_rmtree(path, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", keep_pid)
    out = fake_modules / "BENCHMARKS.md"
    code = main(["--modules", "fakebench.slow,fakebench.good", "--output", str(out),
                 "--load-interval", "0.05", "--timeout", "2"])
    report = out.read_text(encoding="utf-8")
    assert code == 1
    assert "| slow | (the whole module) | ❌ timed out after 2 s and was stopped |" in report
    assert "| good | thing at most 0.8x baseline | ✅ met |" in report  # the next one still ran
    assert pids, "the slow module never started its child"
    assert not _alive(pids[0])  # its whole process group was stopped


def _alive(pid: int) -> bool:
    """Running, not a zombie that nobody has reaped yet (its parent was killed too)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_prefect_overhead_section_follows_the_contract():
    """Its section has the heading, each number with its same-run baseline, and target lines
    the driver reads (measurements made up: the real ones take minutes)."""
    from bench.prefect_overhead import STAGES, Night, Results, section

    stages = dict.fromkeys(STAGES, 1.0)
    nights = [Night("flow", 12.0, {**stages, "load": 3.0}, "completed", 36, 1.0),
              Night("direct", 10.0, stages, "completed", 36, 1.0)]
    results = Results(imports={"python (nothing imported)": 0.1, "import prefect": 3.1},
                      startup={"fresh database": 12.0},
                      calls={"flow": 1.0, "task": 0.2, "slot": 1.0},
                      nights=nights, quick=True, repeat=1)
    report = section(results)
    text = report.markdown()
    assert text.startswith("## Prefect overhead\n")
    assert "| 1 (flow first) | 12.0 | 10.0 | +2.0 | 1.20 | 36 / 36 |" in text
    assert "| load | 1.00 | 3.00 | +2.00 |" in text
    assert "| import prefect | 3.10 | +3.00 |" in text
    assert [t.met for t in report.targets] == [False, True]
    assert report.targets[0].verdict.startswith(
        "missed by 1.0 s (largest stage difference: load +2.0 s")
    assert f"- {report.targets[0].line()}" in text


@pytest.mark.parametrize("systems", ["ours", "bare", "ours,nope"])
def test_corpora_refuses_systems_its_tables_cannot_compare(systems: str,
                                                          capsys: pytest.CaptureFixture) -> None:
    """``bench.corpora --systems ours`` crashed with ``KeyError: 'bare'`` after scoring every
    page: the lost / collapse / speed table compares ours with bare. One line, before any work."""
    from bench.corpora import main

    with pytest.raises(SystemExit) as stopped:
        main(["--systems", systems, "--datasets", "/nonexistent"])
    assert stopped.value.code == 2
    assert "must include ours and bare" in capsys.readouterr().err
