"""``make reliability``: run the fault, crash and bad-input scenarios; print, write RELIABILITY.md.

The scenarios are the ones ``tests/scenarios/test_reliability.py``,
``tests/scenarios/test_crashes.py`` and ``tests/scenarios/test_night_failures.py`` assert on
(``tests/scenarios/chaos.py``, ``tests/scenarios/crashes.py``, ``tests/scenarios/faults.py``): the
nightly flow night after night against the snapshot with 20 % of URLs failing; SIGKILLs of the flow
process during crawl, extraction and load; then each process and disk fault (a crawl, the extraction
process, a pool worker, the load process, the flow process killed; files cut; a full disk) injected
into a night on a fresh warehouse, followed by nights until every snapshot article is stored.
Prefect runs against a throwaway local API, as in the tests.

    python -m tests.scenarios.reliability_report [--out RELIABILITY.md] [--workdir DIR]
        [--skip-crashes] [--skip-convergence] [--faults crawl_killed,full_disk,...]
        [--skip-warehouse]

A new fault is a function ``work_dir -> tests.scenarios.faults.FaultRun`` appended to
``tests.scenarios.faults.SCENARIOS``: its row appears in the faults table.

The warehouse section (``tests/scenarios/warehouse_faults.py``) adds a full disk at many points of a
load (a tmpfs: root only, else reported as skipped), publishes killed mid-copy, two nights loading
at once, and destructive commands given a wrong target.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from khabar.run.layout import RunFolder
from tests.scenarios import warehouse_faults
from tests.scenarios.chaos import KINDS, ChaosServer, Convergence, converge, detected_kinds
from tests.scenarios.crashes import CrashChain, crash_chain
from tests.scenarios.faults import (
    HANG_SECONDS,
    SCENARIOS,
    CutLoad,
    FaultRun,
    cut_loads,
    process_faults,
)
from tests.support import ROOT

SEED = "issue-8"
RATE = 0.2
NO_CHALLENGE = ("not injected: extraction has no `blocked` verdict yet "
                "(transforms/record.py), so a challenge page would be kept as a non-article")


def fault_table(result: Convergence) -> Table:
    table = Table(title=f"Faults injected ({RATE:.0%} of URLs a night, seed {SEED!r})",
                  title_justify="left")
    nights = result.nights
    table.add_column("kind")
    for night in nights:
        table.add_column(f"night {night.night}", justify="right")
    table.add_column("total", justify="right")
    table.add_column("recorded as (URLs the crawl records)")
    by_kind = result.by_kind()
    for kind in KINDS:
        counts = [night.faults.get(kind, 0) for night in nights]
        recorded = ", ".join(f"{c} x{n}" for c, n in sorted(by_kind.get(kind, {}).items()))
        table.add_row(kind, *map(str, counts), str(sum(counts)),
                      recorded if kind in detected_kinds() else NO_CHALLENGE)
    faulted = [sum(n.faults.values()) for n in nights]
    table.add_row("requests faulted", *map(str, faulted), str(sum(faulted)), "", style="bold")
    table.add_row("requests made", *(str(n.requests) for n in nights), str(result.requests()),
                  "", style="bold")
    return table


def night_table(result: Convergence) -> Table:
    table = Table(title="Nights", title_justify="left")
    for name in ("night", "state", "seconds", "retried", "read whole", "loaded", "expected",
                 "duplicates", "lost", "failures recorded by class"):
        table.add_column(name, justify="left" if name in ("state", "read whole",
                                                          "failures recorded by class")
                         else "right")
    for n in result.nights:
        table.add_row(str(n.night), n.state, f"{n.seconds:.0f}", str(n.retried),
                      ", ".join(n.rediscovered) or "-", str(n.tally.loaded),
                      str(n.tally.expected), str(n.tally.duplicates), str(n.tally.lost),
                      ", ".join(f"{k} x{v}" for k, v in n.recorded.items()) or "-")
    return table


def crash_table(chain: CrashChain) -> Table:
    table = Table(title="SIGKILL of the nightly flow (one warehouse, runs in turn)",
                  title_justify="left")
    for name in ("killed during", "what was killed", "tasks running", "warehouse after",
                 "crawls left", "run marked", "the next run"):
        table.add_column(name)
    for o in chain.outcomes:
        table.add_row(o.stage, o.kill, ", ".join(o.landed_in), escape(o.after_kill),
                      str(o.orphans), o.killed_status, escape(o.next_run))
    t = chain.tally
    table.add_row("(none)", "", "", "", "", chain.final_status,
                  f"loaded {t.loaded}/{t.expected}, duplicates {t.duplicates}, lost {t.lost}",
                  style="bold")
    return table


FAULT_COLUMNS = ("fault", "injected", "night 1", "nights to converge", "articles lost",
                 "duplicates", "hangs", "processes left")


def _night_one(run: FaultRun) -> str:
    if run.skipped:
        return f"not run: {run.skipped}"
    first = run.nights[0]
    exit_code = "hung" if first.exit is None else f"exit {first.exit}"
    what = f"{first.status} ({exit_code}, {first.seconds:.0f} s)"
    return f"{what}: {first.line}" if first.line else what


def fault_cells(run: FaultRun) -> list[str]:
    if run.skipped:
        return [run.fault, "0", _night_one(run), "-", "-", "-", "-", "-"]
    return [run.fault, str(run.injected), _night_one(run),
            str(run.converged_after or f"not within {len(run.nights)}"), str(run.lost),
            str(run.duplicates), str(run.hangs), str(run.orphans)]


def faults_table(runs: list[FaultRun]) -> Table:
    table = Table(title="Process and disk faults (each on a fresh warehouse, then nights until "
                  "every article is stored)", title_justify="left")
    for name in FAULT_COLUMNS:
        table.add_column(name, justify="left" if name in ("fault", "night 1") else "right")
    for run in runs:
        table.add_row(*(escape(c) for c in fault_cells(run)))
    return table


def faults_markdown(runs: list[FaultRun], cuts: list[CutLoad], seconds: float) -> list[str]:
    lines = [
        "", "## Process and disk faults", "",
        "`tests/scenarios/faults.py`: each fault is injected into night 1 of `python -m "
        "flows.nightly --snapshot` on a fresh warehouse, by PID with SIGKILL from outside the "
        "flow (no hook in its code) when the process tree shows the stage running; then plain "
        "nights run on the same warehouse until every snapshot article is stored. *Hangs*: "
        "nights still running "
        f"after {HANG_SECONDS:.0f} s. *Processes left*: processes of the killed tree alive 15 s "
        f"after the night ended. ({seconds:.0f} s in all.)", "",
        "| " + " | ".join(FAULT_COLUMNS) + " |", "|" + "---|" * len(FAULT_COLUMNS),
    ]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in fault_cells(run)) + " |"
              for run in runs]
    notes = [f"- {run.fault}: {run.note}" for run in runs if run.note]
    if notes:
        lines += ["", "What the faults left:", "", *notes]
    if cuts:
        good = sum(c.ok for c in cuts)
        lines += [
            "", f"**Files cut at random offsets** (`tests.scenarios.faults.cut_loads`, seed 15): a "
            "complete snapshot run folder copied, one raw or fetch file of the copy cut at a "
            "random byte, then extracted and loaded into a fresh warehouse. "
            f"{good} of {len(cuts)} loads stored every other outlet whole and exactly the complete "
            "records of the cut file.", "",
            "| file | kept bytes | complete records kept | rows per outlet (loaded / whole) |",
            "|---|---|---|---|",
        ]
        lines += [f"| {c.file} | {c.kept_bytes} of {c.total_bytes} | {c.records_kept} | "
                  + ", ".join(f"{o} {c.loaded.get(o, 0)}/{n}" for o, n in sorted(c.whole.items()))
                  + " |" for c in cuts]
    return lines


def whole_run_folder(work: Path) -> Path | None:
    """The scenarios' run folder with the most raw pages and no cut file (to cut it again)."""
    from khabar.run.records import iter_raw_pages

    folders = [p for p in work.glob("*/runs/2*") if not RunFolder(p).damage_file.exists()
               and RunFolder(p).articles.exists()]
    return max(folders, key=lambda p: sum(1 for _ in iter_raw_pages(p)), default=None)


def bad_input(work: Path) -> list[tuple[str, int, str]]:
    """``python -m flows.nightly`` (in this process) on each kind of bad input: (what, exit
    code, the line printed)."""
    import contextlib
    import io
    import os
    import subprocess

    from flows.nightly import main

    work.mkdir(parents=True, exist_ok=True)
    afile = work / "notes.txt"
    afile.write_text("a file\n")
    corrupt = work / "corrupt.duckdb"
    corrupt.write_bytes(b"\x00" * 4096)
    registry = work / "outlets.yaml"
    registry.write_text("outlets:\n  - id: Bad Outlet\n    name: Bad\n")
    locked = work / "locked.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; "
                               "con = duckdb.connect(sys.argv[1]); print(1, flush=True); "
                               "time.sleep(60)", str(locked)], stdout=subprocess.PIPE)
    holder.stdout.readline()
    db = ["--db", str(work / "ok.duckdb"), "--runs-dir", str(work / "runs")]
    cases = [
        ("malformed registry entry", ["--snapshot", *db], {"KHABAR_REGISTRY": str(registry)}),
        ("unknown outlet names", ["--outlets", "lebrief,le_brief", *db], {}),
        ("since after until", ["--since", "2026-02-01", "--until", "2026-01-01", *db], {}),
        ("a date in the future", ["--since", "2099-01-01", *db], {}),
        ("2026-02-30", ["--since", "2026-02-30", *db], {}),
        ("warehouse path under a file", ["--snapshot", "--db", str(afile / "news.duckdb")], {}),
        ("warehouse path in /proc", ["--snapshot", "--db", "/proc/khabar/news.duckdb"], {}),
        ("corrupt warehouse file", ["--snapshot", "--db", str(corrupt)], {}),
        ("locked warehouse file", ["--snapshot", "--db", str(locked)],
         {"KHABAR_LOCK_WAIT": "1"}),
    ]
    rows = []
    try:
        for what, argv, env in cases:
            saved = {k: os.environ.get(k) for k in env}
            os.environ.update(env)
            err = io.StringIO()
            try:
                with contextlib.redirect_stderr(err):
                    code = main(argv)
            except SystemExit as exc:
                code = int(exc.code or 0)
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            rows.append((what, code, err.getvalue().strip()))
    finally:
        holder.kill()
        holder.wait()
    return rows


def bad_input_table(rows: list[tuple[str, int, str]]) -> Table:
    table = Table(title="Bad input: one line, exit 2, before any work", title_justify="left")
    table.add_column("input")
    table.add_column("exit", justify="right")
    table.add_column("message")
    for what, code, line in rows:
        table.add_row(what, str(code), escape(line))
    return table


def markdown(result: Convergence | None, chain: CrashChain | None,
             inputs: list[tuple[str, int, str]], seconds: float,
             fault_runs: list[FaultRun] | None = None, cuts: list[CutLoad] | None = None,
             fault_seconds: float = 0.0,
             warehouse: warehouse_faults.WarehouseFaults | None = None) -> str:
    lines = [
        "# Reliability report",
        "",
        "Generated by `make reliability` (`python -m tests.scenarios.reliability_report`); the "
        "same scenarios are asserted by `tests/scenarios/test_reliability.py`, "
        "`tests/scenarios/test_crashes.py` and `tests/scenarios/test_night_failures.py`. "
        f"Run took {seconds:.0f} s.",
    ]
    if result is not None:
        lines += convergence_markdown(result)
    if chain is not None:
        lines += crash_markdown(chain)
    if fault_runs:
        lines += faults_markdown(fault_runs, cuts or [], fault_seconds)
    lines += ["", "## Bad input", "", "`python -m flows.nightly` on input people get wrong: "
              "one line, exit code 2, nothing crawled, no run recorded "
              "(`tests/scenarios/test_bad_input.py`).", "", "| input | exit | message |",
              "|---|---|---|"]
    lines += [f"| {what} | {code} | `{line}` |" for what, code, line in inputs]
    if warehouse is not None:
        lines += warehouse_faults.markdown(warehouse)
    return "\n".join(lines) + "\n"


def convergence_markdown(result: Convergence) -> list[str]:
    final = result.nights[-1].tally
    faults = result.faults()
    lines = [
        "",
        "## Convergence under faults",
        "",
        f"The nightly flow ran night after night on one warehouse against the snapshot served "
        f"by `tests/scenarios/chaos.py`, which failed {RATE:.0%} of the URLs each night (seed "
        f"`{SEED}`; the same fault for every attempt at a URL during a night, another draw the "
        "next night). A failing URL is asked again within the night (one retry, short backoff), so "
        "about a third of the requests get a fault. *Recorded as* counts the warehouse's "
        "failure records of the faulted URLs: one per URL and night, whatever the attempts; "
        "robots.txt as asked by Scrapy's robots middleware is not recorded.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| requests made | {result.requests()} |",
        f"| requests faulted | {sum(faults.values())} "
        f"({sum(faults.values()) / max(1, result.requests()):.0%}) |",
        *(f"| faults: {kind} | {faults.get(kind, 0)}, recorded as: "
          + (", ".join(f"{c} x{n}" for c, n in sorted(result.by_kind().get(kind, {}).items()))
             if kind in detected_kinds() else NO_CHALLENGE) + " |" for kind in KINDS),
        f"| faulted URLs recorded as a success | {sum(len(n.missed) for n in result.nights)} |",
        f"| articles expected | {final.expected} |",
        f"| articles loaded | {final.loaded} |",
        f"| duplicates | {final.duplicates} |",
        f"| extra versions (a bad page stored, then replaced) | {final.extra_versions} |",
        f"| articles fetched again once stored | {final.refetched} |",
        f"| lost | {final.lost} |",
        f"| runs to converge | {result.converged_after or 'did not converge'} |",
        "",
        "| night | state | retried | read whole | loaded | lost | failures recorded by class |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in result.nights:
        recorded = ", ".join(f"{k} x{v}" for k, v in n.recorded.items()) or "-"
        lines.append(f"| {n.night} | {n.state} | {n.retried} | "
                     f"{', '.join(n.rediscovered) or '-'} | {n.tally.loaded}/{n.tally.expected} "
                     f"| {n.tally.lost} | {recorded} |")
    return lines


def crash_markdown(chain: CrashChain) -> list[str]:
    t = chain.tally
    lines = [
        "",
        "## Crashes",
        "",
        "`python -m flows.nightly --snapshot` in its own process group, SIGKILLed while the "
        "Prefect API showed the stage running; on one warehouse, each run after a kill is "
        "itself killed in the next stage, and the last one is left to finish "
        f"({chain.seconds:.0f} s in all).",
        "",
        "| killed during | what was killed | warehouse after the kill | crawls left running "
        "| killed run marked | the next run |",
        "|---|---|---|---|---|---|",
    ]
    for o in chain.outcomes:
        lines.append(f"| {o.stage} ({', '.join(o.landed_in)}) | {o.kill} | {o.after_kill} "
                     f"| {o.orphans} | {o.killed_status} | {o.next_run} |")
    lines += [
        "",
        f"Last run: {chain.final_status} (exit {chain.final_exit}); articles expected "
        f"{t.expected}, loaded {t.loaded}, duplicates {t.duplicates}, lost {t.lost}.",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.scenarios.reliability_report",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "RELIABILITY.md")
    parser.add_argument("--workdir", type=Path, help="keep the runs here (default: a temp dir)")
    parser.add_argument("--nights", type=int, default=6, help="most nights to run")
    parser.add_argument("--skip-crashes", action="store_true")
    parser.add_argument("--skip-convergence", action="store_true")
    parser.add_argument("--skip-warehouse", action="store_true")
    names = [s.__name__.removeprefix("scenario_") for s in SCENARIOS]
    parser.add_argument("--faults", default=",".join(names),
                        help=f"process and disk faults to inject ('' for none): {names}")
    args = parser.parse_args(argv)
    wanted = [name for name in args.faults.split(",") if name]
    if unknown := sorted(set(wanted) - set(names)):
        parser.error(f"unknown faults {unknown}; known: {names}")

    from prefect.testing.utilities import prefect_test_harness

    from flows.nightly import nightly

    console = Console(width=140)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="khabar-reliability-"))
    started = time.monotonic()
    result = chain = None
    fault_runs: list[FaultRun] = []
    cuts: list[CutLoad] = []
    with prefect_test_harness(server_startup_timeout=120):
        if not args.skip_convergence:
            with ChaosServer(rate=RATE, seed=SEED, kinds=detected_kinds()) as server:
                result = converge(nightly, work / "chaos" / "news.duckdb",
                                  work / "chaos" / "runs", server, max_nights=args.nights)
        if not args.skip_crashes:
            chain = crash_chain(work / "crash")
        faults_started = time.monotonic()
        if wanted:
            fault_runs = process_faults(work / "faults", [
                s for s in SCENARIOS if s.__name__.removeprefix("scenario_") in wanted])
            whole = whole_run_folder(work / "faults")
            if whole is not None:
                cuts = cut_loads(whole, work / "cuts")
        fault_seconds = time.monotonic() - faults_started
    inputs = bad_input(work / "input")
    wh = None if args.skip_warehouse else warehouse_faults.run_all(
        work / "warehouse", disk_points=[0.25, 0.5, 1, 2, 3, 4, 6, 8, 10, 12, 16, 24],
        kills=5, rounds=3)
    seconds = time.monotonic() - started
    if result is not None:
        console.print(fault_table(result), night_table(result))
    if chain is not None:
        console.print(crash_table(chain))
    if fault_runs:
        console.print(faults_table(fault_runs))
    console.print(bad_input_table(inputs))
    if wh is not None:
        console.print("warehouse faults: " + warehouse_faults.summary(wh))
    args.out.write_text(markdown(result, chain, inputs, seconds, fault_runs, cuts, fault_seconds,
                                 wh), encoding="utf-8")
    converged = result.converged_after if result is not None else "-"
    console.print(f"runs to converge: {converged}; wrote {args.out} ({seconds:.0f} s; runs "
                  f"under {work})")
    ok = ((result is None or result.nights[-1].tally.complete)
          and (chain is None or chain.ok) and all(run.ok for run in fault_runs)
          and all(cut.ok for cut in cuts) and all(code == 2 for _, code, _ in inputs)
          and (wh is None or wh.ok))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
