"""Per-outlet trends across nights, for people: a markdown table and a small SVG chart.

The series come from what each finished run stored in ``crawl_runs.counts`` (the same rows the
quality checks read) plus tonight's rows: new articles, errors (failed fetches and extraction
failures), non-articles and median article length, one point per night, oldest first. A drop
shows at a glance: a sparkline that falls to the floor, a red dot on each night whose checks
breached.

The chart is a few polylines written as SVG text here (no plotting library: matplotlib would
add ~35 MB and a second of import to the flow process for four lines per outlet), embedded in
the Prefect image artifact as a ``data:`` URL so it renders with no network and no file server
(``flows/trends.py``), and written into the run folder (:func:`write_trends`).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from pipeline.context import RunContext

# (key, label, how to read it from a row) in chart order.
METRICS = (("new", "new articles"), ("errors", "errors"), ("non_articles", "non-articles"),
           ("median_words", "median words"))
_BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Night:
    """One outlet's numbers on one night (None: not measured, e.g. the crawl failed)."""

    label: str
    values: dict[str, float | None]
    breached: bool


def _value(row: dict, key: str) -> float | None:
    if row.get("status", "ok") != "ok":
        return None
    if key == "errors":
        return float(int(row.get("fetch_errors") or 0) + int(row.get("extraction_failures") or 0))
    value = row.get(key)
    return None if value is None else float(value)


def _label(run: dict) -> str:
    started = run.get("started_at")
    return f"{started:%m-%d %H:%M}" if isinstance(started, datetime) else str(run.get("run_id"))


def series(rows: Sequence[dict], history_runs: Sequence[dict], tonight: str,
           nights: int = 30) -> dict[str, list[Night]]:
    """Per outlet of tonight's ``rows``, its last ``nights`` nights, oldest first.

    Args:
        rows: tonight's per-outlet rows (``pipeline.report.outlet_rows``, judged by the checks).
        history_runs: earlier finished runs, newest first (``warehouse.monitoring.recent_runs``).
        tonight: the label of tonight's point.
    """
    out: dict[str, list[Night]] = {}
    for row in rows:
        points = []
        for run in history_runs:
            past = next((h for h in (run.get("counts") or {}).get("outlets", [])
                         if h.get("outlet") == row["outlet"]), None)
            if past is not None:
                points.append(Night(_label(run), {k: _value(past, k) for k, _ in METRICS},
                                    bool(past.get("breached"))))
        points = points[: nights - 1][::-1]
        points.append(Night(tonight, {k: _value(row, k) for k, _ in METRICS},
                            bool(row.get("breached"))))
        out[row["outlet"]] = points
    return out


def sparkline(values: Sequence[float | None]) -> str:
    """Unicode bars, one per value (a space for a missing one), scaled from 0 to the maximum."""
    top = max((v for v in values if v is not None), default=0.0)
    return "".join(" " if v is None else _BARS[0] if top <= 0 else
                   _BARS[min(len(_BARS) - 1, int(v / top * (len(_BARS) - 1) + 0.5))]
                   for v in values)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def trends_markdown(data: dict[str, list[Night]]) -> str:
    """The trends artifact: per outlet and measure, a sparkline over the nights, tonight's value
    and the median of the earlier nights."""
    longest = max((len(v) for v in data.values()), default=0)
    lines = ["# Trends per outlet", "",
             f"One bar per night, oldest first, up to {longest} nights; then tonight's value "
             "and, in brackets, the median of the earlier nights.", "",
             "| outlet | " + " | ".join(label for _, label in METRICS) + " |",
             "|---|" + "---|" * len(METRICS)]
    for outlet, nights in data.items():
        cells = []
        for key, _ in METRICS:
            values = [n.values[key] for n in nights]
            before = sorted(v for v in values[:-1] if v is not None)
            usual = before[len(before) // 2] if before else None
            cells.append(f"`{sparkline(values)}` {_fmt(values[-1])} ({_fmt(usual)})")
        lines.append(f"| {outlet} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# Chart geometry (px).
_NAME_W, _CELL_W, _CELL_H, _HEAD_H, _PAD = 170, 170, 46, 34, 6


def trends_svg(data: dict[str, list[Night]], title: str) -> str:
    """Small multiples: one row per outlet, one sparkline per measure, red dots on nights that
    breached a check, tonight's value at the right end."""
    width = _NAME_W + _CELL_W * len(METRICS) + 30  # room for the last column's labels
    height = _HEAD_H + _CELL_H * len(data) + _PAD
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="#fff"/>',
             f'<text x="{_PAD}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>']
    for col, (_, label) in enumerate(METRICS):
        parts.append(f'<text x="{_NAME_W + col * _CELL_W + _PAD}" y="{_HEAD_H - 6}" '
                     f'fill="#555">{escape(label)}</text>')
    for row, (outlet, nights) in enumerate(data.items()):
        top = _HEAD_H + row * _CELL_H
        parts.append(f'<text x="{_PAD}" y="{top + _CELL_H / 2 + 4:.1f}">{escape(outlet)}</text>')
        parts.append(f'<line x1="0" x2="{width}" y1="{top}" y2="{top}" stroke="#eee"/>')
        for col, (key, _) in enumerate(METRICS):
            parts += _cell(nights, key, _NAME_W + col * _CELL_W, top)
    parts.append("</svg>")
    return "\n".join(parts)


def _cell(nights: Sequence[Night], key: str, left: float, top: float) -> list[str]:
    """One sparkline: 0 at the bottom, the series' maximum at the top."""
    values = [n.values[key] for n in nights]
    top_value = max((v for v in values if v is not None), default=0.0)
    peak = top_value or 1.0
    plot_w, plot_h = _CELL_W - 50, _CELL_H - 2 * _PAD - 4
    step = plot_w / max(1, len(values) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + _PAD + i * step, top + _PAD + 2 + plot_h * (1 - v / peak)

    out = [f'<line x1="{left + _PAD}" x2="{left + _PAD + plot_w}" y1="{top + _PAD + 2 + plot_h}" '
           f'y2="{top + _PAD + 2 + plot_h}" stroke="#ccc"/>']
    if any(v is not None for v in values):  # the scale: the series' top
        out.append(f'<text x="{left + _PAD + plot_w + 6}" y="{top + _PAD + 6}" font-size="9" '
                   f'fill="#888">max {escape(_fmt(top_value))}</text>')
    run: list[str] = []
    alone: list[int] = []  # points with no neighbour to draw a line to
    for i, v in enumerate([*values, None]):  # a None ends a segment (a failed night: a gap)
        if v is not None:
            run.append("{:.1f},{:.1f}".format(*xy(i, v)))
        elif len(run) == 1:
            alone.append(i - 1)
            run = []
        elif run:
            out.append(f'<polyline fill="none" stroke="#1f6feb" stroke-width="1.5" '
                       f'points="{" ".join(run)}"/>')
            run = []
    for i, (night, v) in enumerate(zip(nights, values, strict=True)):
        if v is not None and (night.breached or i in alone):
            x, y = xy(i, v)
            color = "#d1242f" if night.breached else "#1f6feb"
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>')
    out.append(f'<text x="{left + _PAD + plot_w + 6}" y="{top + _CELL_H / 2 + 8:.1f}">'
               f"{escape(_fmt(values[-1]))}</text>")
    return out


def data_url(svg: str) -> str:
    """The SVG as a ``data:`` URL (an image artifact shows it with no file server)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@dataclass(frozen=True)
class Trends:
    """The night's trends: the series, the chart, and the file it was written to."""

    data: dict[str, list[Night]]
    svg: str
    path: Path


def write_trends(run: RunContext, rows: list[dict], history_runs: list[dict]) -> Trends:
    """Compute the series up to tonight and write the chart into the run folder."""
    now = datetime.now(UTC)
    data = series(rows, history_runs, f"{now:%m-%d %H:%M}")
    svg = trends_svg(data, f"{run.flow} run {run.run_id}: one point per night, oldest first; "
                     "red dots: nights that breached a check")
    path = run.folder.trends_file
    path.write_text(svg, encoding="utf-8")
    return Trends(data, svg, path)
