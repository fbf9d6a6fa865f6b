"""SQL lives in statement files only: ``warehouse/sql/<step>.sql`` for the product,
``bench/warehouse.sql`` for the benchmarks (``bench.sql``), never in a Python string; and their
lines are as short as the Python's (100 characters)."""

from __future__ import annotations

import ast
import re

import pytest

from bench.sql import bench_sql, bench_statements
from tests.support import ROOT
from tests.support.source import code_strings
from warehouse.queries import UnknownStatement

CODE = ("bench", "flows", "khabar", "pipeline", "registry", "scripts", "snapshot", "spiders",
        "transforms", "warehouse")
# The start of a statement DuckDB or PostgreSQL would run.
_SQL = re.compile(
    r"^\s*(SELECT\s|INSERT\s+INTO\s|DELETE\s+FROM\s|UPDATE\s+\w+\s+SET\s|"
    r"CREATE\s+(OR\s+REPLACE\s+)?(TEMP\w*\s+)?(TABLE|VIEW|MACRO|INDEX|SECRET|SCHEMA)\s|"
    r"DROP\s+(TABLE|VIEW|MACRO|SECRET|SCHEMA)\s|"
    r"COPY\s+\w+\s+(FROM|TO)\s|COPY\s*\(\s*(SELECT|FROM|WITH)\s|"
    r"CHECKPOINT\s*;?\s*$|ATTACH\s|DETACH\s|PRAGMA\s|SET\s+\w+\s*=|USE\s+\w+\s*;?\s*$|"
    r"WITH\s+\w+\s+AS\s*\()", re.IGNORECASE)
# A statement's name ("checkpoint"), not its text.
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# A statement for PostgreSQL's own parser, bound as a value of lake.sql's try_lock: it names
# the lock key, a constant every writer of every version must share (warehouse.lake).
_KNOWN = {("warehouse/lake.py", "SELECT pg_try_advisory_xact_lock(")}


def sql_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant of ``source`` that starts like a SQL statement,
    docstrings and statement names left out (f-strings are seen through their literal parts)."""
    return [(node.lineno, node.value) for node in code_strings(ast.parse(source))
            if not _NAME.fullmatch(node.value) and _SQL.match(node.value)]


def test_the_finder_sees_sql_and_not_prose_or_statement_names() -> None:
    source = ('"""SELECT in a docstring is prose."""\n'
              'con.execute("select count(*) from articles")\n'
              'con.execute(f"DELETE FROM pages WHERE run_id = {run}")\n'
              'con.execute("CHECKPOINT")\n'
              'sql("connect", "checkpoint")\n'
              'title = "COPY rows/s"\n')
    assert sorted(line for line, _ in sql_strings(source)) == [2, 3, 4]


def test_no_python_string_holds_sql() -> None:
    found = [(str(path.relative_to(ROOT)), line, text)
             for folder in CODE for path in sorted((ROOT / folder).rglob("*.py"))
             for line, text in sql_strings(path.read_text(encoding="utf-8"))]
    assert [f for f in found if (f[0], f[2]) not in _KNOWN] == []


def test_bench_sql_reads_a_statement_or_says_what_exists() -> None:
    assert bench_sql("checkpoint").endswith("their checkpoints.\nCHECKPOINT;\n")
    with pytest.raises(UnknownStatement, match=r"bench/warehouse\.sql has no statement 'nosuch' "
                                               r"\(it has: create_plain_articles, "):
        bench_sql("nosuch")



def test_statement_files_keep_lines_within_100_characters() -> None:
    files = [*sorted((ROOT / "warehouse" / "sql").glob("*.sql")), ROOT / "bench" / "warehouse.sql"]
    long = [f"{path.relative_to(ROOT)}:{number}" for path in files
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if len(line) > 100]
    assert long == []


def _named(source: str) -> set[str]:
    """Statements a bench module names: ``bench_sql("name")``, and ``…["sql"]["name"]`` or
    ``bench_sql["name"]`` in a child (the text its task carries)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "bench_sql" and node.args
                and isinstance(node.args[0], ast.Constant)):
            found.add(node.args[0].value)
        elif (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
              and ((isinstance(node.value, ast.Subscript)
                    and isinstance(node.value.slice, ast.Constant)
                    and node.value.slice.value == "sql")
                   or (isinstance(node.value, ast.Name) and node.value.id == "bench_sql"))):
            found.add(node.slice.value)
    return found


def test_every_statement_a_benchmark_names_exists_and_none_is_dead() -> None:
    named = {name for path in sorted((ROOT / "bench").rglob("*.py"))
             for name in _named(path.read_text(encoding="utf-8"))}
    assert {"checkpoint", "select_story_counts", "select_outlet_lengths_at"} <= named
    assert named - set(bench_statements()) == set()
    assert set(bench_statements()) - named == set()
