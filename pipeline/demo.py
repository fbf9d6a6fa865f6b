"""What ``make demo`` prints after the flow: per-outlet table, database path, example query."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.syntax import Syntax

import warehouse
from khabar.paths import default_db_path
from pipeline.report import print_tables, result_table, summary_table
from warehouse import examples
from warehouse.backend import configured_lake
from warehouse.load import run_summary


def print_run_summary(db_path: Path | None) -> None:
    """Print the latest run's per-outlet counts and one query a user can copy (``None``: the
    configured DuckLake)."""
    console = Console(width=120)
    with warehouse.connect(db_path, read_only=True) as con:
        run = examples.latest_run(con)
        if run is None:
            console.print(f"[red]no finished run in {db_path}[/red]")
            return
        rows = run_summary(con, run["run_id"])
        query, columns, records = examples.run_example(con)
    print_tables(summary_table(rows, f"Run {run['run_id']} ({run['status']})"))
    lake = configured_lake() if db_path is None else None
    where = lake.describe() if lake is not None else str((db_path or default_db_path()).resolve())
    console.print(f"\nDatabase: [bold]{where}[/bold]")
    console.print("Example query (python -m warehouse sql \"...\", or any DuckDB 1.5.5 client):")
    console.print(Syntax(query, "sql", theme="ansi_dark"))
    print_tables(result_table(columns, records, "Result"))
