"""Night benchmark: the real nightly flow over a large synthetic web, then an incremental night.

    python -m bench.night [--outlets 10] [--articles 20000] [--latency 0.05] [--parallel 4]
                          [--quick] [--markdown FILE] [--workdir DIR] [--keep]

``flows.nightly.nightly`` runs in this process, as ``python -m flows.nightly`` runs it: Prefect
in-process with a temporary API server (on a temporary ``PREFECT_HOME``), a fresh DuckDB
warehouse and runs directory, ``max_parallel_crawls`` crawl processes at a time, one extraction
worker per core. The web is ``bench.synthweb`` in its own process (``--latency`` per response);
the crawls reach it through ``nightly(crawl_settings={"SNAPSHOT_HOSTS": …})``.

Measured, night 1 (every article new):

* total time (the ``nightly()`` call, and the flow run as Prefect timed it) and each stage's time
  from the run's task runs (prepare, crawl = first crawl start to last crawl end, extract, load =
  load + publish, report = summarise + checks + report + trends), so the total can be set
  against the slowest stage alone: a night whose stages ran one after the other costs their sum;
* the peak memory of the whole process tree (this process, the crawl processes, the extraction
  and load processes, Prefect's temporary API server; the synthetic web's server is left out),
  sampled by ``bench.memory.TreeSampler``; target < 1 GB, checked twice: for the night's own
  processes (what a night adds to a machine where the Prefect server runs as a service, the
  deployed setup) and with the temporary API server (``python -m flows.nightly`` with no server);

then night 2 on the same warehouse after the web published ``new_per_night`` articles per
outlet: requests made (crawl stats and the server's count), time, and both against night 1;
target < 5 %.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.memory import MB, SERVER, TreeSampler
from bench.report import Block, Section, Table, Target, Unit
from bench.synthweb import SynthWeb, SynthWebProcess, WebConfig, write_registry
from bench.synthweb.crawling import bytecode_cache, synthetic_crawls
from bench.workdir import work_folder
from khabar.run.layout import RunFolder

MEMORY_TARGET = 1024 * MB
INCREMENTAL_TARGET = 0.05
STAGES = ("prepare", "crawl", "extract", "load", "report")
QUICK_THEMES = ("lebrief", "lepetitjournalmarocain", "maghress_fr")


def stage_of(task_name: str) -> str:
    """The stage a task run belongs to (task names of flows/tasks.py and flows/quality.py)."""
    for prefix, stage in (("prepare", "prepare"), ("crawl", "crawl"), ("extract", "extract"),
                          ("load", "load"), ("publish", "load"), ("summarise", "report"),
                          ("check", "report"), ("report", "report"), ("trends", "report")):
        if task_name.startswith(prefix):
            return stage
    return "other"


@dataclass
class Night:
    """One nightly flow run and what it cost."""

    label: str
    seconds: float  # the nightly() call, from this process
    state: str
    flow_seconds: float  # the flow run's own start → end (Prefect's timestamps)
    stages: dict[str, tuple[float, float]]  # stage → (first start, last end), epoch seconds
    crawl_requests: int
    crawl_responses: int
    articles_fetched: int
    articles_new: int
    server: dict[str, Any]
    memory: TreeSampler
    memory_started: float  # epoch seconds when sampling began
    rows: list[dict] = field(default_factory=list)

    def stage_seconds(self) -> dict[str, float]:
        return {name: end - start for name, (start, end) in self.stages.items()}

    @property
    def slowest(self) -> tuple[str, float]:
        seconds = self.stage_seconds()
        name = max(seconds, key=seconds.get) if seconds else "none"
        return name, seconds.get(name, 0.0)

    def stage_peaks(self) -> dict[str, int]:
        """The tree's largest summed RSS while each stage ran (bytes)."""
        peaks: dict[str, int] = {}
        for seconds, rss in self.memory.timeline:
            at = self.memory_started + seconds
            for name, (start, end) in self.stages.items():
                if start <= at <= end:
                    peaks[name] = max(peaks.get(name, 0), rss)
        return peaks

    def crawl_rate(self) -> float:
        start, end = self.stages.get("crawl", (0.0, 0.0))
        return self.crawl_responses / (end - start) if end > start else 0.0

    def peak_stage(self) -> str:
        """The stage running when memory peaked."""
        return self.stage_at(self.memory.peak.at)

    def stage_at(self, seconds: float) -> str:
        """The stage running ``seconds`` after memory sampling began."""
        at = self.memory_started + seconds
        running = [n for n, (s, e) in self.stages.items() if s <= at <= e]
        return ", ".join(running) or "between stages"


def _isolate(work: Path) -> None:
    """A throwaway Prefect home, warehouse and runs directory; no Prefect server configured."""
    os.environ.pop("PREFECT_API_URL", None)
    os.environ["PREFECT_HOME"] = str(work / "prefect")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ["KHABAR_DB"] = str(work / "news.duckdb")
    os.environ["KHABAR_RUNS_DIR"] = str(work / "runs")


def task_spans(flow_run_id: Any) -> tuple[dict[str, tuple[float, float]], float]:
    """Per stage, (first task start, last task end) of a flow run; and the run's own length."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        flow_run = client.read_flow_run(flow_run_id)
    spans: dict[str, tuple[float, float]] = {}
    for run in runs:
        if run.start_time is None or run.end_time is None:
            continue
        stage = stage_of(run.name)
        start, end = run.start_time.timestamp(), run.end_time.timestamp()
        old = spans.get(stage)
        spans[stage] = (min(start, old[0]), max(end, old[1])) if old else (start, end)
    flow_seconds = ((flow_run.end_time - flow_run.start_time).total_seconds()
                    if flow_run.start_time and flow_run.end_time else 0.0)
    return dict(sorted(spans.items(), key=lambda item: item[1][0])), flow_seconds


def crawl_totals(run_dir: Path) -> dict[str, int]:
    totals = {"requests": 0, "responses": 0, "articles_fetched": 0}
    for path in RunFolder(run_dir).crawl_stats_files():
        stats = json.loads(path.read_text())
        for key in totals:
            totals[key] += stats.get(key, 0)
    return totals


def run_night(label: str, server: SynthWebProcess, registry: Path, scope: dict[str, Any],
              parallel: int, console: Console) -> Night:
    """One ``nightly()`` call with the process tree sampled; the server's counters reset first."""
    from flows.nightly import nightly
    from pipeline.params import CrawlScope

    runs_dir = Path(os.environ["KHABAR_RUNS_DIR"])
    before = set(runs_dir.iterdir()) if runs_dir.exists() else set()
    server.control("reset")
    sampler = TreeSampler(exclude=[server.pid], pss_every=4)
    memory_started = time.time()
    started = time.perf_counter()
    with synthetic_crawls(registry, server.hosts) as settings, sampler:
        state = nightly(scope=CrawlScope(**scope), max_parallel_crawls=parallel,
                        crawl_settings=settings, return_state=True)
    seconds = time.perf_counter() - started
    stats = server.control("stats")
    stages, flow_seconds = task_spans(state.state_details.flow_run_id)
    (run_dir,) = set(runs_dir.iterdir()) - before
    totals = crawl_totals(run_dir)
    data = state.result(raise_on_failure=False)
    rows = data.get("outlets", []) if isinstance(data, dict) else []
    night = Night(label, seconds, state.name, flow_seconds, stages, totals["requests"],
                  totals["responses"], totals["articles_fetched"],
                  sum(r.get("new", 0) for r in rows), stats, sampler, memory_started, rows)
    console.log(f"{label}: {state.name} in {seconds:.1f} s; {night.crawl_requests:,} requests, "
                f"{night.articles_fetched:,} articles fetched, {night.articles_new:,} new; peak "
                f"RSS {sampler.peak.rss / MB:,.0f} MB")
    if not state.is_completed():
        console.log(f"[red]{state.message}[/red]")
    return night


# ---------------------------------------------------------------------------------- report

Rows = tuple[list[str], list[list[str]]]


def nights_table(nights: list[Night]) -> Rows:
    header = ["", *(n.label for n in nights)] + (["night 2 / night 1"] if len(nights) > 1 else [])

    def row(name: str, values: list[float], fmt: str) -> list[str]:
        cells = [name, *(format(v, fmt) for v in values)]
        if len(nights) > 1:
            cells.append(f"{values[1] / values[0]:.1%}" if values[0] else "—")
        return cells

    rows = [
        ["state", *(n.state for n in nights)] + ([""] if len(nights) > 1 else []),
        row("flow run, Prefect's timestamps (s)", [n.flow_seconds for n in nights], ".1f"),
        row("nightly() call, with the temporary API's start (s)", [n.seconds for n in nights],
            ".1f"),
        row("crawl requests (crawl stats)", [n.crawl_requests for n in nights], ",.0f"),
        row("requests the server answered", [n.server["requests"] for n in nights], ",.0f"),
        row("article pages fetched", [n.articles_fetched for n in nights], ",.0f"),
        row("articles new in the warehouse", [n.articles_new for n in nights], ",.0f"),
        row("peak RSS of the process tree, summed (MB)",
            [n.memory.peak.rss / MB for n in nights], ",.0f"),
        row("peak PSS of the process tree (MB)", [n.memory.peak_pss / MB for n in nights],
            ",.0f"),
        row("peak PSS without the Prefect API server (MB)",
            [n.memory.peak_work_pss / MB for n in nights], ",.0f"),
    ]
    for stage in STAGES:
        rows.append(row(f"stage: {stage} (s)", [n.stage_seconds().get(stage, 0.0)
                                                for n in nights], ".1f"))
    return header, rows


def overlap_table(night: Night) -> Rows:
    seconds = night.stage_seconds()
    slowest, slowest_seconds = night.slowest
    total = night.flow_seconds or night.seconds
    header = ["measure", "seconds", "vs the slowest stage"]
    rows = [[f"slowest stage alone ({slowest})", f"{slowest_seconds:.1f}", "1.00"],
            ["sum of the stages", f"{sum(seconds.values()):.1f}",
             f"{sum(seconds.values()) / slowest_seconds:.2f}" if slowest_seconds else "—"],
            ["flow run (Prefect's timestamps)", f"{total:.1f}",
             f"{total / slowest_seconds:.2f}" if slowest_seconds else "—"],
            ["nightly() call (with the temporary API's start)", f"{night.seconds:.1f}",
             f"{night.seconds / slowest_seconds:.2f}" if slowest_seconds else "—"]]
    return header, rows


def memory_table(night: Night) -> Rows:
    sampler = night.memory
    header = ["processes", "RSS at the tree's peak (MB)", "own peak (MB)"]
    rows = [[name, f"{sampler.peak.by_group.get(name, 0) / MB:,.0f}",
             f"{sampler.group_peaks[name] / MB:,.0f}"]
            for name in sorted(sampler.group_peaks, key=sampler.group_peaks.get, reverse=True)]
    rows.append([f"whole tree ({sampler.peak.processes} processes, during {night.peak_stage()})",
                 f"{sampler.peak.rss / MB:,.0f}",
                 f"PSS {sampler.peak_pss / MB:,.0f}" if sampler.peak_pss else "—"])
    work = sampler.peak_work
    rows.append([f"without the Prefect API server ({work.processes - (SERVER in work.by_group)} "
                 f"processes, during {night.stage_at(work.at)})", f"{work.rss / MB:,.0f}",
                 f"PSS {sampler.peak_work_pss / MB:,.0f}" if sampler.peak_work_pss else "—"])
    for stage, rss in night.stage_peaks().items():
        rows.append([f"whole tree, peak during {stage}", f"{rss / MB:,.0f}", ""])
    return header, rows


def targets(nights: list[Night], full_size: bool) -> list[Target]:
    first = nights[0]
    lines = []
    size = " (20,000-page night)" if full_size else " (quick sizes)"
    memory = first.memory
    stages = ", ".join(f"{name} {rss / MB:,.0f}" for name, rss in first.stage_peaks().items())
    # Checked on PSS (each page counted once, split between the processes sharing it): the
    # extraction workers are forked from a server that imported trafilatura, so summed RSS counts
    # those shared pages once per worker. Summed RSS, the upper bound, is given beside it.
    for what, peak, pss, server in (
            (f"peak memory < 1 GB{size}, the night's own processes (flow, crawls, extraction, "
             "load; a deployed Prefect server runs apart), PSS", memory.peak_work,
             memory.peak_work_pss, False),
            (f"peak memory < 1 GB{size}, with the temporary Prefect API server the flow starts "
             "when none is configured, PSS", memory.peak, memory.peak_pss, True)):
        split = ", ".join(f"{name} {rss / MB:,.0f}" for name, rss in sorted(
            peak.by_group.items(), key=lambda item: -item[1]) if rss and (server or
                                                                          name != SERVER))
        detail = (f"PSS {pss / MB:,.0f} MB; RSS summed over the processes "
                  f"{peak.rss / MB:,.0f} MB at its peak, during {first.stage_at(peak.at)}: "
                  f"{split}")
        lines.append(Target(what, pss, MEMORY_TARGET, "<", Unit(",.0f", " MB", 1 / MB),
                            note=detail,
                            why=f"{detail}; the whole tree's RSS peak per stage: {stages}"))
    if len(nights) > 1:
        second = nights[1]
        first_stages, second_stages = first.stage_seconds(), second.stage_seconds()
        where = ", ".join(f"{name} {seconds:.1f} s (night 1: {first_stages.get(name, 0):.1f} s)"
                          for name, seconds in sorted(second_stages.items(),
                                                      key=lambda item: -item[1]))
        for name, one, two, why in (
                ("requests", first.crawl_requests, second.crawl_requests,
                 "robots.txt twice, the feeds, the changed sitemaps and listing pages, the new "
                 "articles"),
                ("time of the flow run", first.flow_seconds, second.flow_seconds,
                 f"night 2's stages: {where}; the stages that do not shrink with the work are "
                 "fixed costs")):
            ratio = two / one if one else 0.0
            lines.append(Target(f"incremental night 2 < 5 % of night 1 ({name})", ratio,
                                INCREMENTAL_TARGET, "<", Unit(".1f", " points", 100),
                                note=f"{ratio:.1%}", why=f"{ratio:.1%}; {why}"))
    return lines


def section(web: SynthWeb, nights: list[Night], latency: float, parallel: int, quick: bool,
            cached: bool) -> Section:
    """This module's section of BENCHMARKS.md: its text introduces the tables."""
    first = nights[0]
    blocks: list[Block] = [
        f"`flows.nightly.nightly` in-process (temporary Prefect API, fresh warehouse) over "
        f"{len(web.outlets)} synthetic outlets and {web.config.articles:,} article pages served "
        f"with {latency * 1000:.0f} ms latency; {parallel} crawl processes at a time (the flow's "
        "default), one extraction worker per core. Night 2 runs on the same warehouse after the "
        f"web published {web.config.new_per_night} new articles per outlet. "
        + ("Child processes cache their bytecode (see the crawl section). " if cached else "")
        + ("**Quick sizes.**" if quick else ""),
        Table("Nightly flow on the synthetic web", *nights_table(nights), heading=False),
        "Night 1: total against the slowest stage (the stages run one after the other):",
        Table("Night 1: total against the slowest stage", *overlap_table(first), heading=False),
        f"Night 1's crawl stage made {first.crawl_rate():,.1f} pages/s; with {parallel} crawls "
        f"at a time under AutoThrottle (target concurrency 1) its bound is {parallel} / "
        f"{latency * 1000:.0f} ms = {parallel / latency:,.0f} pages/s "
        f"({first.crawl_rate() * latency / parallel:.0%} of it; the crawl section measures "
        "every outlet at once).",
        "Night 1: peak memory of the process tree (RSS summed over processes, sampled every "
        f"{first.memory.interval:g} s; PSS shares shared pages out):",
        Table("Night 1: peak memory of the process tree", *memory_table(first), heading=False),
    ]
    return Section("Night: the nightly flow end to end on the synthetic web", blocks,
                   targets=targets(nights, web.config.articles >= 20_000))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, default=10)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--parallel", type=int, default=4, help="max_parallel_crawls")
    parser.add_argument("--no-second-night", action="store_true")
    parser.add_argument("--no-bytecode-cache", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    themes = WebConfig().themes
    if args.quick:
        args.outlets, args.articles, themes = 3, 150, QUICK_THEMES
    console = Console()
    anchor = datetime.now(UTC).replace(second=0, microsecond=0)
    web = SynthWeb(WebConfig(outlets=args.outlets, articles=args.articles, anchor=anchor,
                             themes=themes))
    scope = {"since": (anchor - timedelta(days=web.config.days + 1)).date(),
             "max_pages": max(o.count for o in web.outlets) + 100}
    nights: list[Night] = []
    with work_folder(args.workdir, "night", args.keep) as work:
        _isolate(work)
        registry = write_registry(web, work / "outlets.yaml")
        with bytecode_cache(work / "pycache", not args.no_bytecode_cache) as cached, \
                SynthWebProcess(web.config, args.latency) as server:
            nights.append(run_night("night 1", server, registry, scope, args.parallel, console))
            if not args.no_second_night:
                server.control("night?n=2")
                nights.append(run_night("night 2", server, registry, scope, args.parallel,
                                        console))
    report = section(web, nights, args.latency, args.parallel, args.quick, cached)
    report.show(console, args.markdown)
    return 0 if all(n.state in ("Completed", "Warned") for n in nights) else 1


if __name__ == "__main__":
    raise SystemExit(main())
