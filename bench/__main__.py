"""Run every benchmark and write BENCHMARKS.md: the numbers, the targets, the machine.

    python -m bench [--quick] [--only extraction,night] [--output BENCHMARKS.md]

Each module runs in its own process (Scrapy's reactor runs once per process, and one module's
memory must not count against the next) with ``--markdown FILE`` and, if asked, ``--quick``.
Its stdout is shown as it comes; its section, its targets (``bench.report``: written as data
beside the section, never parsed out of it) and the machine's load before and after it go into
the report. A module that fails or does not exist gets a section saying so, the others still
run, and the exit status is then 1.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from bench.machine import ROOT, Load, Machine, describe, machine_markdown, sample_load
from bench.report import Target, read_targets

# The heavy full night goes last: a failure or a timeout there costs the others nothing.
MODULES = ("extraction", "corpora", "warehouse", "stories", "publish", "lake", "lakemaint",
           "crawl", "prefect_overhead", "workers", "night")
STDERR_TAIL = 40
# Modules given more than --timeout: stories builds a 1,000,000-article warehouse (a repeated
# 102,000-article period, bench.stories.PERIOD: 36 minutes with other sessions on the 2 cores,
# 2026-12-06); workers runs
# four nights on real Prefect workers (quick: three, ~10 minutes at load 15-29, 2026-12-06).
TIMEOUT_FACTOR = {"stories": 3.0, "workers": 2.0}

@dataclass
class ModuleRun:
    """One module's process: how it ended, how long it took, what it wrote."""

    name: str
    module: str
    status: str = "not run"  # ok, failed, missing, timeout, interrupted, not run
    returncode: int | None = None
    seconds: float = 0.0
    before: Load | None = None
    after: Load | None = None
    section: str = ""
    targets: list[Target] = field(default_factory=list)
    stderr_tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _kill_group(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop the module's process group (its crawls and pools too): TERM, then KILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its package is missing too
        return False


def run_module(run: ModuleRun, *, quick: bool, workdir: Path, timeout: float,
               load_interval: float, progress: Progress, task: TaskID) -> ModuleRun:
    """Run ``python -m <module>`` in a new session; stream its stdout; keep its stderr tail."""
    run.before = sample_load(load_interval)
    if not _importable(run.module):
        run.status, run.after = "missing", run.before
        return run
    markdown = workdir / f"{run.name}.md"
    cmd = [sys.executable, "-m", run.module, "--markdown", str(markdown)]
    cmd += ["--quick"] if quick else []
    env = {**os.environ, "COLUMNS": str(max(progress.console.width, 120))}
    tail: deque[str] = deque(maxlen=STDERR_TAIL)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace", bufsize=1,
                            start_new_session=True)
    assert proc.stdout is not None and proc.stderr is not None  # both PIPE
    stderr = proc.stderr
    reader = threading.Thread(target=lambda: tail.extend(line.rstrip() for line in stderr),
                              daemon=True)
    reader.start()
    timed_out = threading.Event()

    def expire() -> None:
        timed_out.set()
        _kill_group(proc)

    timer = threading.Timer(timeout, expire)
    timer.start()
    try:
        for line in proc.stdout:
            progress.console.print(Text.from_ansi(line.rstrip("\n")))
            progress.update(task, description=f"{run.name}: {line.strip()[:60]}")
        proc.wait()
    except KeyboardInterrupt:
        _kill_group(proc, grace=3.0)
        run.status = "interrupted"
        raise
    finally:
        timer.cancel()
        reader.join(timeout=5)
        run.seconds = time.monotonic() - started
        run.returncode = proc.returncode
        run.stderr_tail = list(tail)
        run.section = markdown.read_text(encoding="utf-8") if markdown.exists() else ""
        run.targets = read_targets(markdown)
        run.after = sample_load(load_interval)
    if timed_out.is_set():
        run.status = "timeout"
    elif proc.returncode != 0 or not run.section.strip():
        run.status = "failed"
    else:
        run.status = "ok"
    return run


def _why_not_ok(run: ModuleRun) -> str:
    if run.status == "missing":
        return f"missing: there is no module `{run.module}` in this tree"
    if run.status == "timeout":
        return f"timed out after {run.seconds:.0f} s and was stopped"
    if run.status in ("interrupted", "not run"):
        return f"{run.status}"
    if run.returncode != 0:
        return f"failed: exited {run.returncode} after {run.seconds:.0f} s"
    return f"failed: exited 0 after {run.seconds:.0f} s but wrote no section"


def module_section(run: ModuleRun) -> str:
    """The module's own section, or one saying why there is none (with its stderr's tail)."""
    section = run.section.strip()
    if section and not section.startswith("## "):
        section = f"## {run.name}\n\n{section}"
    if run.ok:
        return f"{section}\n\n_`{run.module}` took {run.seconds:.0f} s._"
    parts = [section or f"## {run.name}", f"**`{run.module}` {_why_not_ok(run)}.**"]
    if run.stderr_tail:
        parts.append("Last lines of its stderr:\n\n```\n" + "\n".join(run.stderr_tail) + "\n```")
    return "\n\n".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_report(machine: Machine, runs: list[ModuleRun], *, quick: bool, started: datetime,
                  command: str) -> str:
    """The whole BENCHMARKS.md."""
    targets = [(run.name, t) for run in runs for t in run.targets]
    met = sum(t.met for _, t in targets)
    lines = [
        "# Khabar benchmarks" + (" (quick sizes)" if quick else ""),
        "",
        f"Run on {started:%Y-%m-%d %H:%M} UTC at commit `{machine.commit}` with `{command}`. "
        "Every number sits beside a baseline measured in the same run on the same machine; "
        "compare ratios, not absolute times, across machines.",
        "",
        "## Machine",
        "",
        machine_markdown(machine),
        "",
        "Load before and after each module (load average 1/5/15 min; CPU busy = whole machine, "
        "sampled over a second; a busy machine slows every timing below):",
        "",
        "| module | status | seconds | before | after | busiest other processes before |",
        "|---|---|---:|---|---|---|",
    ]
    for run in runs:
        busiest = ", ".join(f"{name} {pct:.0f}%" for name, pct in
                            (run.before.busiest if run.before else [])) or "—"
        lines.append(
            f"| {run.name} | {run.status} | {run.seconds:.1f} | "
            f"{run.before.text() if run.before else '—'} | "
            f"{run.after.text() if run.after else '—'} | {_cell(busiest)} |")
    lines += ["", "## Targets", "",
              f"{met} of {len(targets)} targets met; "
              f"{sum(not r.ok for r in runs)} of {len(runs)} modules did not finish.", "",
              "| module | target | verdict |", "|---|---|---|"]
    lines += [f"| {name} | {_cell(t.name)} | {'✅' if t.met else '❌'} {_cell(t.verdict)} |"
              for name, t in targets]
    lines += [f"| {run.name} | (the whole module) | ❌ {_cell(_why_not_ok(run))} |"
              for run in runs if not run.ok]
    lines += ["", *(module_section(run) + "\n" for run in runs)]
    return "\n".join(lines).rstrip() + "\n"


def summary_table(runs: list[ModuleRun]) -> Table:
    """The console's closing table: one row per module."""
    table = Table(title="Benchmarks")
    for column in ("module", "status", "seconds", "targets met", "load before → after"):
        table.add_column(column)
    for run in runs:
        load = (f"{run.before.loadavg[0]:.2f} → {run.after.loadavg[0]:.2f}"
                if run.before and run.after else "—")
        met = f"{sum(t.met for t in run.targets)}/{len(run.targets)}"
        table.add_row(run.name, run.status if run.ok else f"[red]{run.status}[/red]",
                      f"{run.seconds:.0f}", met, load)
    return table


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (each module < 60 s)")
    parser.add_argument("--only", help=f"comma-separated modules among {', '.join(MODULES)}")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--modules", help="comma-separated importable modules to run instead "
                        "of bench.<name> (their last name part names the section)")
    parser.add_argument("--timeout", type=float, help="seconds per module before it is stopped "
                        "(default 3600, 600 with --quick; stories 3 times that)")
    parser.add_argument("--load-interval", type=float, default=1.0,
                        help="seconds over which CPU use is sampled before and after a module")
    args = parser.parse_args(argv)
    modules = (args.modules.split(",") if args.modules
               else [f"bench.{name}" for name in MODULES])
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - {m.rsplit(".", 1)[-1] for m in modules}
        if unknown:
            parser.error(f"unknown module(s) {', '.join(sorted(unknown))}")
        modules = [m for m in modules if m.rsplit(".", 1)[-1] in wanted]
    args.module_list = modules
    args.timeout = args.timeout or (600.0 if args.quick else 3600.0)
    return args


def _stop(signum: int, frame: object) -> None:
    """SIGTERM as Ctrl-C: stop the running module's process group and write the report."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the modules one after the other, write the report, exit 1 if any did not finish."""
    args = _parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        return _run(args, argv)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace, argv: list[str] | None) -> int:
    console = Console()
    started = datetime.now(UTC)
    machine = describe()
    console.print(f"[bold]{machine.cpu}[/bold], {machine.cores_logical} cores, "
                  f"{machine.ram_gb:.1f} GB; commit {machine.commit}")
    runs = [ModuleRun(m.rsplit(".", 1)[-1], m) for m in args.module_list]
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    workdir = Path(tempfile.mkdtemp(prefix="khabar-bench-sections-"))
    interrupted = False
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed}/{task.total} modules"), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("starting", total=len(runs))
            for run in runs:
                progress.console.rule(f"{run.module}" + (" --quick" if args.quick else ""))
                progress.update(task, description=run.name)
                timeout = args.timeout * TIMEOUT_FACTOR.get(run.name, 1.0)
                run_module(run, quick=args.quick, workdir=workdir, timeout=timeout,
                           load_interval=args.load_interval, progress=progress, task=task)
                progress.advance(task)
    except KeyboardInterrupt:
        interrupted = True
        console.print("[red]interrupted: writing what ran so far[/red]")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report = render_report(machine, runs, quick=args.quick, started=started, command=command)
    args.output.write_text(report, encoding="utf-8")
    console.print(summary_table(runs))
    console.print(f"Report: [bold]{args.output}[/bold]")
    if interrupted:
        return 130
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
