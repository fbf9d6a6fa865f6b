"""Data-quality checks: each outlet against its own recent history.

A night can succeed technically and still be wrong: a layout change makes every page a
non-article, a block returns empty pages, a feed goes dead. These checks compare one run's
per-outlet report (the rows the flow stores in ``crawl_runs.counts``) with the same outlet's rows
in the previous finished runs. Plain functions; ``check_quality`` is the Prefect task around them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from pydantic import BaseModel, ConfigDict, Field


class QualityThresholds(BaseModel):
    """When an outlet's night differs enough from its history to warn."""

    model_config = ConfigDict(extra="forbid")

    history_runs: int = Field(7, ge=1, le=100, description="previous finished runs compared")
    min_history: int = Field(3, ge=1, description="fewer comparable runs than this: no check")
    rate_jump: float = Field(
        0.25, gt=0, le=1, description="rise of the extraction-failure or non-article share")
    min_pages: int = Field(5, ge=1, description="pages needed before a share is judged")
    length_ratio: float = Field(
        0.5, gt=0, lt=1, description="median article length below this share of usual")


@dataclass(frozen=True)
class Breach:
    """One outlet looking wrong, and why."""

    outlet: str
    check: str
    reason: str


def _share(part: Any, whole: Any) -> float | None:
    whole = int(whole or 0)
    return int(part or 0) / whole if whole else None


def _usual(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return median(present) if present else None


def check_outlet(current: dict, history: Sequence[dict], th: QualityThresholds) -> list[Breach]:
    """Compare one outlet's row of this run with its rows of earlier runs (newest first).

    Rows carry ``new, pages, extraction_failures, non_articles, median_words`` and ``sources``
    (``{url: discovered}``). Failed crawls are not history; too short a history gives no breach.
    """
    outlet = current["outlet"]
    past = [h for h in history if h.get("status", "ok") == "ok"]
    if len(past) < th.min_history:
        return []
    breaches = []
    usual_new = _usual([h.get("new") for h in past])
    if not current.get("new") and usual_new and usual_new >= 1:
        breaches.append(Breach(outlet, "zero_new",
                               f"no new articles (usually {usual_new:g} a night)"))
    for column, label in (("extraction_failures", "extraction failures"),
                          ("non_articles", "non-articles")):
        now = _share(current.get(column), current.get("pages"))
        before = _usual([_share(h.get(column), h.get("pages")) for h in past]) or 0.0
        if now is not None and current["pages"] >= th.min_pages and now - before >= th.rate_jump:
            breaches.append(Breach(outlet, f"{column}_jump",
                                   f"{label} {now:.0%} of pages (usually {before:.0%})"))
    usual_len = _usual([h.get("median_words") for h in past])
    length = current.get("median_words")
    if length is not None and usual_len and length < th.length_ratio * usual_len:
        breaches.append(Breach(outlet, "length_collapse",
                               f"median article length {length:g} words (usually {usual_len:g})"))
    for url, found in (current.get("sources") or {}).items():
        usual_found = _usual([(h.get("sources") or {}).get(url) for h in past])
        if not found and usual_found:
            breaches.append(Breach(outlet, "dead_source",
                                   f"source {url} found nothing (usually {usual_found:g} URLs)"))
    return breaches


def check_run(rows: Sequence[dict], history_runs: Sequence[dict],
              th: QualityThresholds) -> list[Breach]:
    """Every outlet of this run against the history (``recent_runs`` dicts, newest first).

    Outlets whose crawl failed this run are skipped: the failure is already reported.
    """
    breaches = []
    for row in rows:
        if row.get("status", "ok") != "ok":
            continue
        history = [h for run in history_runs for h in (run.get("counts") or {}).get("outlets", [])
                   if h.get("outlet") == row["outlet"]]
        breaches += check_outlet(row, history[: th.history_runs], th)
    return breaches


@task(name="check-quality")
def check_quality(rows: list[dict], history_runs: list[dict],
                  thresholds: QualityThresholds) -> list[Breach]:
    """Run the checks, log each breach, publish the ``nightly-quality`` markdown artifact."""
    breaches = check_run(rows, history_runs, thresholds)
    logger = get_run_logger()
    for breach in breaches:
        logger.warning("quality: %s: %s", breach.outlet, breach.reason)
    logger.info("quality: %d outlets checked against %d previous runs, %d breaches",
                len(rows), len(history_runs), len(breaches))
    create_markdown_artifact(key="nightly-quality",
                             markdown=quality_markdown(breaches, len(rows), len(history_runs)),
                             description="Outlets compared with their own recent history")
    return breaches


def quality_markdown(breaches: Sequence[Breach], outlets: int, runs: int) -> str:
    """The quality artifact: one line per breach naming the outlet and the reason."""
    if not breaches:
        return (f"# Data quality\n\nAll {outlets} outlets within their usual range "
                f"(compared with {runs} previous runs).")
    lines = ["# Data quality: warnings", "", "| outlet | check | reason |", "|---|---|---|"]
    lines += [f"| {b.outlet} | {b.check} | {b.reason} |" for b in breaches]
    return "\n".join(lines)
