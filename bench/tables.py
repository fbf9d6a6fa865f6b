"""Tables every benchmark prints twice: as a rich table on the console, as Markdown in its
section of BENCHMARKS.md (same header and rows, so the two never disagree)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
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


Titled = tuple[str, list[str], list[list[str]]]  # (title, header, rows)


def markdown_results(tables: Iterable[Titled], targets: Iterable[str]) -> list[str]:
    """The body of a module's section: each table under its bold title, then the target lines."""
    lines: list[str] = []
    for title, header, rows in tables:
        lines += ["", f"**{title}**", "", markdown_table(header, rows)]
    return [*lines, "", *(f"- {t}" for t in targets), ""]


def print_results(console: Console, tables: Iterable[Titled], targets: Iterable[str], *,
                  left_columns: int = 1) -> None:
    """The same tables and target lines on the console."""
    for title, header, rows in tables:
        console.print(rich_table(title, header, rows, left_columns=left_columns))
    for line in targets:
        console.print(line)


def int_list(text: str) -> list[int]:
    """An argparse type: ``10000,20000`` → ``[10000, 20000]``."""
    return [int(part) for part in text.split(",")]
