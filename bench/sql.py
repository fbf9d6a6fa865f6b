"""The benchmarks' own SQL: the named statements of ``bench/warehouse.sql`` (baselines, set-ups
and read-backs that are no part of the product), read with the product's loader.

``bench_sql("checkpoint")`` is a statement's text. A measurement child never reads the file: its
parent passes every statement in the task (``bench.child.run_json`` puts them in
``task["sql"]``), because ``bench.warehouse --before DIR`` runs the child with DIR's product
code first on ``sys.path``, where ``warehouse.queries`` may be missing or read files otherwise
(checkouts before the named statements had one file per statement).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from warehouse.queries import statement, statements

BENCH_SQL = Path(__file__).with_name("warehouse.sql")


def bench_statements() -> dict[str, str]:
    """Every statement of ``bench/warehouse.sql``: name -> text, in file order."""
    return statements(BENCH_SQL)


@cache
def bench_sql(name: str) -> str:
    """The text of the statement ``name`` of ``bench/warehouse.sql``.

    Raises:
        UnknownStatement: no such statement (the message lists those that exist).
    """
    return statement(BENCH_SQL, name, "bench/warehouse.sql")
