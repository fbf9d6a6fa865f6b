"""Tables every benchmark prints twice: as a rich table on the console, as Markdown in its
section of BENCHMARKS.md (same header and rows, so the two never disagree)."""

from __future__ import annotations

from rich.table import Table


def rich_table(title: str, header: list[str], rows: list[list[str]], *,
               left_columns: int = 1) -> Table:
    """A console table; the first ``left_columns`` columns are labels, the rest numbers."""
    table = Table(title=title)
    for i, column in enumerate(header):
        table.add_column(column, justify="left" if i < left_columns else "right")
    for row in rows:
        table.add_row(*row)
    return table


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub Markdown table; ``|`` inside a cell is escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)
