"""How a table is drawn twice: as a rich table on the console, as Markdown in a section of
BENCHMARKS.md (same header and rows, so the two never disagree). Modules use
``bench.report.Table``, which draws itself with these."""

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


def markdown_table(header: list[str], rows: list[list[str]], *,
                   right_from: int | None = None) -> str:
    """A GitHub Markdown table; ``|`` inside a cell is escaped; columns from ``right_from`` on
    right-aligned if given."""
    right = len(header) if right_from is None else right_from
    lines = ["| " + " | ".join(header) + " |",
             "|" + "---|" * right + "---:|" * (len(header) - right)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def int_list(text: str) -> list[int]:
    """An argparse type: ``10000,20000`` → ``[10000, 20000]``."""
    return [int(part) for part in text.split(",")]
