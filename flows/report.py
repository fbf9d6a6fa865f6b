"""Render a run's per-outlet summary: a rich table for the terminal, markdown for Prefect."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

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


def summary_markdown(rows: Sequence[dict], run_id: str, failed: Sequence[str]) -> str:
    """A short markdown summary for the Prefect UI (no external links)."""
    lines = [f"# Nightly run `{run_id}`", ""]
    total = sum(int(r.get("articles_new") or 0) for r in rows)
    lines.append(f"**{total}** new articles from **{len(rows)}** outlets.")
    if failed:
        lines.append(f"\n**Failed outlets:** {', '.join(failed)} (see their crawl logs).")
    lines += ["", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def print_tables(*tables: Table) -> None:
    console = Console(width=120)
    for table in tables:
        console.print(table)
