"""Render a run's per-outlet summary: rich tables for the terminal, rows and markdown for
Prefect artifacts."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from khabar.run.layout import LOGS

# Keys of ``warehouse.load.run_summary`` rows, in display order, with their headers.
COLUMNS = ("outlet", "pages", "articles_new", "articles_updated", "duplicates", "non_articles",
           "errors")
HEADERS = {"pages": "pages fetched", "articles_new": "articles loaded",
           "articles_updated": "updated"}


def summary_table(rows: Sequence[dict], title: str) -> Table:
    """A rich table with one row per outlet and a total row."""
    table = Table(title=title, title_justify="left")
    for col in COLUMNS:
        header = HEADERS.get(col, col.replace("_", " "))
        table.add_column(header, justify="left" if col == "outlet" else "right")
    for row in rows:
        table.add_row(*(str(row.get(col, "")) for col in COLUMNS))
    if len(rows) > 1:
        totals = [sum(int(r.get(c) or 0) for r in rows) for c in COLUMNS[1:]]
        table.add_row("total", *map(str, totals), style="bold")
    return table


def result_table(columns: Sequence[str], records: Sequence[Sequence], title: str) -> Table:
    """Any query result as a rich table (used for the README's example query)."""
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col)
    for record in records:
        table.add_row(*("" if v is None else str(v) for v in record))
    return table


def print_tables(*tables: Table) -> None:
    console = Console(width=120)
    for table in tables:
        console.print(table)


# Columns of the per-outlet table artifact (``outlet_rows``), in display order.
ARTIFACT_COLUMNS = ("outlet", "status", "quality", "discovered", "fetched", "new", "updated",
                    "duplicates", "non_articles", "extraction_failures", "fetch_errors",
                    "errors_by_class", "median_words")


def outlet_rows(summary: Sequence[dict], stats: dict[str, dict], medians: dict[str, float],
                failures: dict[str, str], outlets: Sequence[str],
                damaged: dict[str, list[str]] | None = None) -> list[dict]:
    """One row per crawled outlet, merging the crawl stats file and the loaded counts.

    Args:
        summary: ``warehouse.load.run_summary`` rows of the run.
        stats: each outlet's crawl stats (empty when the crawl left none).
        medians: median word count of the run's articles per outlet.
        failures: outlet → why its crawl failed.
        outlets: every outlet the run crawled (an outlet with nothing loaded still gets a row).
        damaged: outlet → its run files a killed writer had cut (loaded as far as whole): its
            status says ``partial: …`` (so the quality checks leave it out), unless it failed.

    Returns:
        Rows with ``ARTIFACT_COLUMNS`` plus ``pages`` and ``sources`` (``{url: discovered}``),
        which the quality checks compare across runs.
    """
    loaded = {row["outlet"]: row for row in summary}
    damaged = damaged or {}
    rows = []
    for outlet in outlets:
        counts, crawl = loaded.get(outlet, {}), stats.get(outlet, {})
        errors = crawl.get("errors_by_class") or {}
        status = ("ok" if outlet not in damaged else "partial: " + "; ".join(damaged[outlet]))
        rows.append({
            "outlet": outlet,
            "status": f"failed: {failures[outlet]}" if outlet in failures else status,
            "discovered": crawl.get("articles_discovered", 0),
            "fetched": crawl.get("articles_fetched", 0),
            "new": counts.get("articles_new", 0),
            "updated": counts.get("articles_updated", 0),
            "duplicates": counts.get("duplicates", 0),
            "non_articles": counts.get("non_articles", 0),
            "extraction_failures": counts.get("extraction_errors", 0),
            "fetch_errors": counts.get("fetch_errors", 0),
            "errors_by_class": ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())),
            "median_words": medians.get(outlet),
            "pages": counts.get("pages", 0),
            "sources": {s["url"]: source_found(s) for s in crawl.get("sources", [])},
        })
    return rows


def source_found(source: dict) -> int | None:
    """Article URLs a source of the crawl report gave, or None when it was not modified: every
    request for it answered 304 (or its child sitemaps were skipped as unchanged) and no page of
    it was read. The quality checks judge neither a dead source nor a usual yield on such a
    night: a feed that answers 304 has nothing new, it is not dead."""
    if source.get("read", 1) == 0 and source.get("not_modified", 0) > 0:
        return None
    return source.get("discovered", 0)


def artifact_table(rows: Sequence[dict]) -> list[dict]:
    """The table artifact's rows: ``ARTIFACT_COLUMNS`` only, empty cells instead of None."""
    return [{c: "" if row.get(c) is None else row[c] for c in ARTIFACT_COLUMNS} for row in rows]


def run_markdown(flow: str, run_id: str, rows: Sequence[dict], failed: dict[str, str],
                 warnings: Sequence[str], damaged: Sequence[str] = ()) -> str:
    """The run's markdown summary for the Prefect UI: totals, failures, warnings, no links."""
    new = sum(int(r.get("new") or 0) for r in rows)
    fetched = sum(int(r.get("fetched") or 0) for r in rows)
    lines = [f"# {flow.capitalize()} run `{run_id}`", "",
             f"**{new}** new articles from **{len(rows)}** outlets ({fetched} article pages "
             f"fetched)."]
    if failed:
        lines += ["", "## Failed outlets", ""]
        lines += [f"- **{outlet}**: {reason} (crawl log: `{LOGS}/{outlet}.log` in the run "
                  "directory)" for outlet, reason in failed.items()]
    if damaged:
        lines += ["", "## Run files cut (a killed crawl): loaded as far as they were whole", ""]
        lines += [f"- {line}" for line in damaged]
    if warnings:
        lines += ["", "## Quality warnings", ""] + [f"- {w}" for w in warnings]
    waiting = [r["outlet"] for r in rows if str(r.get("quality", "")).startswith("no history")]
    if not failed and not warnings and not damaged:
        lines += ["", "Every outlet crawled" + (
            "; not compared yet (no history): " + ", ".join(waiting) + "." if waiting
            else " and within its usual range." if all(r.get("quality") == "ok" for r in rows)
            else ".")]
    cols = ("outlet", "new", "updated", "duplicates", "non_articles", "extraction_failures",
            "fetch_errors", "median_words")
    lines += ["", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join("" if r.get(c) is None else str(r[c]) for c in cols) + " |"
              for r in rows]
    return "\n".join(lines)
