"""What earlier nights left undone, turned into tonight's crawl state (plain functions).

* **Failed fetches are retried.** A fetch that failed (5xx, 429, timeout, reset, truncated body,
  a bot challenge, an unparseable feed) leaves no article, and tomorrow nothing may list the URL
  again: the feed answers 304, the listing stops at its first page of known articles. From the
  warehouse's record of every outcome (``warehouse.retries.failed_fetches``) each outlet gets:
  a retry file of article URLs the crawl requests again whatever the sources say, and
  ``rediscover`` (read every source whole: no conditional GET, every child sitemap, listings to
  their last page) when a discovery URL failed on the outlet's last night. A URL failing
  ``max_nights`` nights in a row is given up: logged and counted in the run record, no longer
  listed.
* **Killed runs are closed.** A run whose process died (SIGKILL, a lost machine) never reaches
  its report and stays ``running`` in ``crawl_runs``; the next run marks it ``abandoned``. Its
  files were never loaded (a load is one transaction), so the next crawl simply redoes its work.

Files written per outlet under the run folder (formats in ``spiders/incremental.py``):
``seen/<outlet>.txt``, ``known/<outlet>.json``, ``validators/<outlet>.json``,
``retry/<outlet>.json``, ``recheck/<outlet>.json`` (stored articles due for a re-check:
``warehouse.rechecks``) and, for people and the run report, ``retry/<outlet>.plan.json``.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from registry import Outlet
from warehouse import load as loader
from warehouse import rechecks, retries, validators
from warehouse.retries import FailedFetch

# Nights a URL may fail in a row before it is given up (a dead link, a page blocked for good).
MAX_RETRY_NIGHTS = 5
# A run row left ``running`` by a process this host cannot check (another machine, or no
# process recorded) counts as abandoned after this long: no night runs for two days.
STALE_AFTER_SECONDS = 48 * 3600


@dataclass
class RetryPlan:
    """One outlet's unfinished business from earlier nights."""

    outlet: str
    retry: dict[str, dict[str, Any]] = field(default_factory=dict)  # url -> attempts, error
    given_up: dict[str, dict[str, Any]] = field(default_factory=dict)
    discovery_failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    gone: int = 0  # URLs not asked tonight: they answered 404/410 within GONE_RECHECK_DAYS

    @property
    def rediscover(self) -> bool:
        """Read every source whole tonight: a source page failed last night, so what it lists
        may be hidden behind a 304 or an early listing stop."""
        return bool(self.discovery_failures)

    def line(self) -> str:
        """One log line (empty when there is nothing to retry)."""
        parts = []
        if self.retry:
            parts.append(f"retrying {len(self.retry)} article URLs that failed earlier")
        if self.discovery_failures:
            urls = ", ".join(f"{u} ({e['error']})" for u, e in self.discovery_failures.items())
            parts.append(f"full discovery (failed last night: {urls})")
        if self.given_up:
            parts.append(f"gave up on {len(self.given_up)} URLs after {MAX_RETRY_NIGHTS} "
                         f"nights: {', '.join(self.given_up)}")
        if self.gone:
            parts.append(f"not asking again {self.gone} URLs that answered 404/410 in the "
                         f"last {retries.GONE_RECHECK_DAYS} days")
        return f"{self.outlet}: " + "; ".join(parts) if parts else ""


def retry_plan(outlet: Outlet, failures: list[FailedFetch],
               max_nights: int = MAX_RETRY_NIGHTS) -> RetryPlan:
    """Sort an outlet's failed URLs into retries, discovery failures and give-ups.

    Article URLs (the registry's patterns) are retried while they have failed fewer than
    ``max_nights`` nights. Other URLs (feeds, sitemaps, listing pages) count only when they
    failed on the outlet's latest night: they make tonight's discovery complete.
    """
    plan = RetryPlan(outlet.id)
    for failure in failures:
        entry = {"attempts": failure.attempts, "error": failure.last_error}
        if failure.attempts >= max_nights:
            if failure.attempts == max_nights and failure.in_latest_run:
                plan.given_up[failure.url] = entry  # reached the limit last night: say it once
        elif outlet.is_article_url(failure.url):
            plan.retry[failure.url] = entry
        elif failure.in_latest_run:
            plan.discovery_failures[failure.url] = entry
    return plan


def write_crawl_state(con: duckdb.DuckDBPyConnection, run_dir: Path, outlet: Outlet,
                      max_nights: int = MAX_RETRY_NIGHTS,
                      gone_recheck_days: int = retries.GONE_RECHECK_DAYS,
                      ) -> tuple[dict[str, Any], RetryPlan]:
    """Write one outlet's incremental state for its crawl, from the warehouse.

    The seen file holds the stored articles' URLs and those that answered 404/410 within
    ``gone_recheck_days`` (``warehouse.retries.gone_urls``): neither is requested again.

    Returns:
        The crawl's keyword arguments (``seen_file``, ``known_file``, ``validators_file``,
        ``retry_file``, ``recheck_file`` and ``rediscover`` for
        ``flows.crawl.crawl_command``), and the plan.
    """
    plan = retry_plan(outlet, retries.failed_fetches(con, outlet.id), max_nights)
    gone = retries.gone_urls(con, outlet.id, gone_recheck_days)
    plan.gone = len(gone)
    # A URL to retry may sit in the seen set (a bot challenge page extracted as a non-article).
    seen = sorted({url for url in [*loader.known_urls(con, outlet.id), *gone]
                   if url not in plan.retry})
    texts = {
        "seen_file": ("seen", ".txt", "".join(f"{url}\n" for url in seen)),
        "known_file": ("known", ".json", json.dumps(validators.known_fetches(con, outlet.id))),
        "validators_file": ("validators", ".json",
                            json.dumps(validators.validators_for(con, outlet.id))),
        "retry_file": ("retry", ".json", json.dumps(plan.retry, indent=1)),
        # Edits after publication: stored articles due for a conditional re-check tonight.
        "recheck_file": ("recheck", ".json", json.dumps(
            rechecks.due_rechecks(con, outlet.id, datetime.now(UTC)), indent=1)),
    }
    kwargs: dict[str, Any] = {}
    for arg, (folder, suffix, text) in texts.items():
        kwargs[arg] = _write(run_dir / folder / f"{outlet.id}{suffix}", text)
    _write(run_dir / "retry" / f"{outlet.id}.plan.json",
           json.dumps({**asdict(plan), "rediscover": plan.rediscover}, indent=1))
    if plan.rediscover:
        kwargs["rediscover"] = True
    return kwargs, plan


def read_plans(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Per outlet, the counts of its ``retry/<outlet>.plan.json`` (for the run record)."""
    plans = {}
    for path in sorted((run_dir / "retry").glob("*.plan.json")):
        plan = json.loads(path.read_text(encoding="utf-8"))
        plans[plan["outlet"]] = {"retried": len(plan["retry"]),
                                 "given_up": sorted(plan["given_up"]),
                                 "rediscover": plan["rediscover"],
                                 "gone": plan.get("gone", 0)}
    return plans


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- abandoned runs -----------------------------------------------------------------------------

def this_process() -> dict[str, Any]:
    """What the run record keeps to tell later whether the run's process still lives."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def close_abandoned_runs(con: duckdb.DuckDBPyConnection, current_run_id: str) -> list[str]:
    """Mark ``abandoned`` every ``running`` run whose process is gone; returns their ids."""
    dead = [run.run_id for run in retries.running_runs(con)
            if run.run_id != current_run_id and process_gone(
                run.parameters.get("process"), run.started_at)]
    retries.mark_abandoned(con, dead)
    return dead


def process_gone(process: Any, started_at: datetime, now: float | None = None) -> bool:
    """Whether the process that started a run at ``started_at`` is certainly not running.

    On this host: its PID is free, a zombie, or taken by a process started after the run (PIDs
    are reused). Elsewhere, or with no process recorded: only once the run is older than
    ``STALE_AFTER_SECONDS``.
    """
    now = time.time() if now is None else now
    started = started_at.timestamp()
    if not isinstance(process, dict) or process.get("host") != socket.gethostname():
        return now - started > STALE_AFTER_SECONDS
    pid = process.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return now - started > STALE_AFTER_SECONDS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, owned by someone else
    state, since = _proc_stat(pid)
    if state in ("Z", "X"):
        return True
    return since is not None and since > started + 1.0


def _proc_stat(pid: int) -> tuple[str | None, float | None]:
    """A Linux process's state letter and start time (epoch seconds); Nones elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, StopIteration, ValueError):
        return None, None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
    ticks = os.sysconf("SC_CLK_TCK")
    return fields[0], boot + int(fields[19]) / ticks
