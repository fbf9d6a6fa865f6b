"""Named SQL statements, one file per step: ``sql("load", "stage_articles")`` is the section
``-- name: stage_articles`` of ``warehouse/sql/load.sql``.

A step's file holds its statements in the order the step runs them, a temp object's create and
drop in the same file (as dlt's ``gen_merge_sql`` keeps a merge's statements together), so that
reading ``load.sql`` top to bottom is reading what a load does. A section runs from its
``-- name:`` line to the next one; its text is passed to DuckDB as written (blank lines that
end it excepted), so its comments stay with it. Comments before the first section describe the
file and belong to no statement. ``tests/warehouse/test_queries.py`` checks that every statement
Python names exists and that every statement in a file is named somewhere (none is dead): name
statements with string literals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).with_name("sql")
_NAME = re.compile(r"--\s*name:\s*(\S+)\s*$")
_VALID = re.compile(r"[a-z_][a-z0-9_]*")


class UnknownStatement(LookupError):
    """No such step file, or no such statement in it (the message lists what exists)."""


class StepFileError(ValueError):
    """A step file that cannot be read as named sections (a repeated or badly formed name, SQL
    before the first ``-- name:`` line)."""


@cache
def statements(path: Path) -> dict[str, str]:
    """The statements of the step file ``path``, in file order: name -> text.

    Raises:
        UnknownStatement: no such file.
        StepFileError: the file is not a sequence of named sections.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        steps = ", ".join(sorted(p.stem for p in path.parent.glob("*.sql")))
        raise UnknownStatement(f"no step file {path} (steps there: {steps})") from None
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(lines, 1):
        marker = _NAME.match(line)
        if marker:
            name = marker.group(1)
            if not _VALID.fullmatch(name) or name in found:
                problem = "repeated" if name in found else "not a lowercase identifier"
                raise StepFileError(f"{path}:{number}: statement name {name!r} {problem}")
            current = found[name] = []
        elif current is not None:
            current.append(line)
        elif line.strip() and not line.lstrip().startswith("--"):
            raise StepFileError(f"{path}:{number}: SQL before the first '-- name:' line")
    return {name: "".join(text).rstrip("\n") + "\n" for name, text in found.items()}


def statement(path: Path, name: str, shown: str) -> str:
    """Text of the statement ``name`` of the step file ``path`` (``shown`` in messages).

    Raises:
        UnknownStatement: no such step file or no such statement in it.
    """
    found = statements(path)
    if name not in found:
        raise UnknownStatement(f"{shown} has no statement {name!r} (it has: {', '.join(found)})")
    return found[name]


@cache
def sql(step: str, name: str) -> str:
    """Text of the statement ``name`` of ``warehouse/sql/<step>.sql``.

    Raises:
        UnknownStatement: no such step file or no such statement in it.
    """
    return statement(SQL_DIR / f"{step}.sql", name, f"warehouse/sql/{step}.sql")


def one(con: duckdb.DuckDBPyConnection, step: str, name: str,
        params: object = None) -> tuple[Any, ...]:
    """The one row the statement returns (an aggregate, a catalogue lookup).

    Raises:
        LookupError: it returned no row (DuckDB's ``fetchone`` gives None: indexing that used
            to fail with a bare ``TypeError``).
    """
    row = con.execute(sql(step, name), params).fetchone()
    if row is None:
        raise LookupError(f"{step}.sql:{name} returned no row")
    return row


def execute_each(con: duckdb.DuckDBPyConnection, step: str, names: Iterable[str],
                 params: object = None) -> None:
    """Run the statements ``names`` of ``step`` one after the other, each with ``params``."""
    for name in names:
        con.execute(sql(step, name), params)
