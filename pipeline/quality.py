"""Data-quality checks: each outlet against its own recent *healthy* history.

A night can succeed technically and still be wrong: a layout change makes every page a
non-article, a block returns empty pages, a feed goes dead, nothing new arrives for days. These
checks compare one run's per-outlet report (the rows the flow stores in ``crawl_runs.counts``)
with the same outlet's rows of earlier finished runs. The rules:

* **No new article** is judged as a streak, not against a median: an incremental crawler sees
  an outlet's backlog on its first night and then only what is new, so the median of "new per
  night" says little (on a frozen snapshot it is 0 from the third night on, and a median that
  has dropped to 0 never warns). A breach is ``zero_new_nights`` (3) nights in a row without a
  new article, tonight included; it repeats every night until something new arrives, however
  long that takes. Quiet outlets get their own count (``zero_new_nights_per_outlet``).
* **Shares, lengths, sources** are compared with a baseline made of the outlet's last
  ``history_runs`` (7) nights that did **not** breach that same check (each row records the
  checks it breached). A lasting breakage therefore never becomes its own baseline: it warns
  every night until fixed. A change accepted as the new normal (a redesign, a smaller feed) is
  declared with ``baseline_since`` (outlet → day): nights before that day no longer count.
* A check judges only with ``min_history`` (3) such nights; before that the outlet is reported
  as "no history yet", never as "within its usual range".
* A source that answered 304 (or whose child sitemaps were all unchanged) was not read: it is
  neither dead tonight nor part of its usual yield (``pipeline.report.source_found``).

Failed crawls are neither judged nor history. Plain functions; ``pipeline.quality.check_quality``
is the Prefect task around them (it adds the ``nightly-quality`` artifact).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from statistics import median
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.context import LOG, Logger
from pipeline.params import OutletId


class QualityThresholds(BaseModel):
    """When an outlet's night differs enough from its history to warn."""

    model_config = ConfigDict(extra="forbid")

    history_runs: int = Field(
        7, ge=1, le=100, description="earlier healthy nights a check compares with")
    lookback_runs: int = Field(
        60, ge=1, le=1000, description="earlier finished runs read to find them")
    min_history: int = Field(3, ge=1, description="fewer earlier nights than this: no check")
    zero_new_nights: int = Field(
        3, ge=1, le=365, description="nights in a row without a new article before a warning")
    zero_new_nights_per_outlet: dict[OutletId, int] = Field(
        default_factory=dict, description="the same for quiet outlets (registry id: nights)")
    rate_jump: float = Field(
        0.25, gt=0, le=1, description="rise of the extraction-failure or non-article share")
    min_pages: int = Field(5, ge=1, description="pages needed before a share is judged")
    length_ratio: float = Field(
        0.5, gt=0, lt=1, description="median article length below this share of usual")
    baseline_since: dict[OutletId, date] = Field(
        default_factory=dict,
        description="registry id: first day of its history (a change accepted as normal)")

    @model_validator(mode="after")
    def _lookback_covers_history(self) -> QualityThresholds:
        if self.lookback_runs < self.history_runs:
            raise ValueError("lookback_runs must be at least history_runs")
        return self


@dataclass(frozen=True)
class Breach:
    """One outlet looking wrong, and why. ``key`` is what its row records (``breached``)."""

    outlet: str
    check: str
    reason: str
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.check)


@dataclass
class QualityVerdict:
    """The night's verdict: the breaches, and its rows with ``quality`` and ``breached``."""

    breaches: list[Breach]
    rows: list[dict]
    waiting: dict[str, int] = field(default_factory=dict)  # outlet -> earlier nights so far
    min_history: int = 3
    history_runs: int = 7

    @property
    def warnings(self) -> list[str]:
        return [f"{b.outlet}: {b.reason}" for b in self.breaches]

    @property
    def compared(self) -> list[str]:
        return [r["outlet"] for r in self.rows if r.get("quality", "").startswith(("ok", "warn"))]


def _share(part: Any, whole: Any) -> float | None:
    whole = int(whole or 0)
    return int(part or 0) / whole if whole else None


def _column_share(column: str, night: dict) -> float | None:
    return _share(night.get(column), night.get("pages"))


def _source_found(url: str, night: dict) -> float | None:
    return (night.get("sources") or {}).get(url)


def _baseline(past: Sequence[dict], key: str, value: Callable[[dict], float | None],
              th: QualityThresholds) -> float | None:
    """Median of ``value`` over the last ``history_runs`` nights that have one and did not
    breach ``key``; None with fewer than ``min_history`` such nights."""
    values = [v for h in past if key not in (h.get("breached") or ())
              if (v := value(h)) is not None][: th.history_runs]
    return median(values) if len(values) >= th.min_history else None


def _zero_new(current: dict, past: Sequence[dict], th: QualityThresholds) -> Breach | None:
    if current.get("new"):
        return None
    streak = 1
    for night in past:
        if night.get("new"):
            break
        streak += 1
    limit = th.zero_new_nights_per_outlet.get(current["outlet"], th.zero_new_nights)
    if streak < limit:
        return None
    last = next((h for h in past if h.get("new")), None)
    when = last and last.get("_started")
    reason = f"no new articles for {streak} nights in a row"
    if last is not None:
        reason += f" (last: {last['new']}" + (f" on {when:%Y-%m-%d})" if when else ")")
    return Breach(current["outlet"], "zero_new", reason)


def check_outlet(current: dict, history: Sequence[dict], th: QualityThresholds) -> list[Breach]:
    """Compare one outlet's row of this run with its rows of earlier runs (newest first).

    Rows carry ``new, pages, extraction_failures, non_articles, median_words``, ``sources``
    (``{url: discovered, or None when not modified}``) and, once judged, ``breached`` (the
    keys of the breaches of that night). Failed crawls are not history; too short a history
    gives no breach (``comparable``).
    """
    outlet = current["outlet"]
    past = comparable(history)
    if len(past) < th.min_history:
        return []
    breaches = [b for b in [_zero_new(current, past, th)] if b]
    for column, label in (("extraction_failures", "extraction failures"),
                          ("non_articles", "non-articles")):
        now = _share(current.get(column), current.get("pages"))
        key = f"{column}_jump"
        before = _baseline(past, key, partial(_column_share, column), th)
        if (now is not None and before is not None and current["pages"] >= th.min_pages
                and now - before >= th.rate_jump):
            breaches.append(Breach(outlet, key,
                                   f"{label} {now:.0%} of pages (usually {before:.0%})"))
    usual_len = _baseline(past, "length_collapse", lambda h: h.get("median_words"), th)
    length = current.get("median_words")
    if length is not None and usual_len and length < th.length_ratio * usual_len:
        breaches.append(Breach(outlet, "length_collapse",
                               f"median article length {length:g} words (usually {usual_len:g})"))
    for url, found in (current.get("sources") or {}).items():
        key = f"dead_source {url}"
        usual_found = _baseline(past, key, partial(_source_found, url), th)
        if found is not None and not found and usual_found:
            breaches.append(Breach(outlet, "dead_source",
                                   f"source {url} found nothing (usually {usual_found:g} URLs)",
                                   key))
    return breaches


def comparable(history: Sequence[dict]) -> list[dict]:
    """The nights a check may compare with: those whose crawl did not fail."""
    return [h for h in history if h.get("status", "ok") == "ok"]


def _started(run: dict) -> datetime | None:
    value = run.get("started_at")
    return value if isinstance(value, datetime) else None


def check_run(rows: Sequence[dict], history_runs: Sequence[dict],
              th: QualityThresholds) -> QualityVerdict:
    """Every outlet of this run against the history (``recent_runs`` dicts, newest first).

    Returns:
        The breaches, and this run's rows, each with ``quality`` (``ok``, ``warned: <checks>``,
        ``no history yet (n of N earlier nights)``, ``not checked: crawl failed``) and
        ``breached`` (keys recorded so that tomorrow's baselines leave this night out).
    """
    breaches: list[Breach] = []
    judged, waiting = [], {}
    for row in rows:
        if row.get("status", "ok") != "ok":
            judged.append({**row, "quality": "not checked: crawl failed", "breached": []})
            continue
        since = th.baseline_since.get(row["outlet"])
        history = [{**h, "_started": _started(run)} for run in history_runs
                   for h in (run.get("counts") or {}).get("outlets", [])
                   if h.get("outlet") == row["outlet"]]
        if since is not None:
            history = [h for h in history if h["_started"] and h["_started"].date() >= since]
        nights = len(comparable(history))
        if nights < th.min_history:
            waiting[row["outlet"]] = nights
            judged.append({**row, "breached": [],
                           "quality": f"no history yet ({nights} of {th.min_history} earlier "
                                      "nights)"})
            continue
        found = check_outlet(row, history, th)
        breaches += found
        checks = sorted({b.check for b in found})
        judged.append({**row, "breached": [b.key for b in found],
                       "quality": f"warned: {', '.join(checks)}" if found else "ok"})
    return QualityVerdict(breaches, judged, waiting, th.min_history, th.history_runs)


def check_quality(rows: list[dict], history_runs: list[dict], thresholds: QualityThresholds,
                  log: Logger = LOG) -> QualityVerdict:
    """:func:`check_run`, with each breach and the count of outlets compared logged."""
    verdict = check_run(rows, history_runs, thresholds)
    for breach in verdict.breaches:
        log.warning("quality: %s: %s", breach.outlet, breach.reason)
    log.info("quality: %d outlets compared with their history, %d without enough history "
             "yet, %d breaches", len(verdict.compared), len(verdict.waiting),
             len(verdict.breaches))
    return verdict


def quality_markdown(verdict: QualityVerdict) -> str:
    """The quality artifact: one line per breach naming the outlet and the reason, and which
    outlets had no history to be compared with."""
    waiting = ", ".join(f"{o} ({n})" for o, n in verdict.waiting.items())
    not_yet = (f"Not compared yet (earlier nights so far; the checks start at "
               f"{verdict.min_history}): {waiting}.")
    if not verdict.compared:
        return ("# Data quality: no history yet\n\nNo outlet was compared: each needs "
                f"{verdict.min_history} earlier nights of its own before its checks start. "
                + (not_yet if waiting else "No outlet was crawled successfully."))
    if not verdict.breaches:
        text = (f"# Data quality\n\nAll {len(verdict.compared)} compared outlets within their "
                f"usual range (each against up to {verdict.history_runs} of its earlier healthy "
                "nights).")
        return text + (f"\n\n{not_yet}" if waiting else "")
    lines = ["# Data quality: warnings", "", "| outlet | check | reason |", "|---|---|---|"]
    lines += [f"| {b.outlet} | {b.check} | {b.reason} |" for b in verdict.breaches]
    return "\n".join(lines) + (f"\n\n{not_yet}" if waiting else "")
