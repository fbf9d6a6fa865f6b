"""What ``make demo`` prints after the flow: per-outlet table, database path, example query."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.syntax import Syntax

import warehouse
from pipeline.report import print_tables, result_table, summary_table
from warehouse import examples
from warehouse.load import run_summary


def print_run_summary(db_path: Path) -> None:
    """Print the latest run's per-outlet counts and one query a user can copy."""
    console = Console(width=120)
    with warehouse.connect(db_path, read_only=True) as con:
        run = examples.latest_run(con)
        if run is None:
            console.print(f"[red]no finished run in {db_path}[/red]")
            return
        rows = run_summary(con, run["run_id"])
        query, columns, records = examples.run_example(con)
    print_tables(summary_table(rows, f"Run {run['run_id']} ({run['status']})"))
    console.print(f"\nDatabase: [bold]{db_path.resolve()}[/bold]")
    console.print("Example query (python -m warehouse sql \"...\", or any DuckDB 1.5.5 client):")
    console.print(Syntax(query, "sql", theme="ansi_dark"))
    print_tables(result_table(columns, records, "Result"))
