"""The SQL of each step in one file of named statements (``warehouse.queries``): every statement
Python names exists, none in a file is dead, temp objects are created and dropped in the same
file, and the load and story steps run their file's statements top to bottom."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from khabar.run.layout import RunFolder
from khabar.run.schemas import ARTICLE_SCHEMA
from tests.support import ROOT
from tests.support.runs import T0, art, words, write_run
from transforms.story import features_row
from warehouse import connect, load, queries, stories, story_features
from warehouse.load import load_run
from warehouse.queries import (
    SQL_DIR,
    StepFileError,
    UnknownStatement,
    execute_each,
    one,
    sql,
    statements,
)

PRODUCT = ("warehouse", "pipeline", "flows", "khabar", "spiders", "transforms", "registry", "bench")
# Where each loader function takes its step: sql(step, name), one(con, step, name, …),
# execute_each(con, step, names, …).
_STEP_ARG = {"sql": 0, "one": 1, "execute_each": 1}


def named_statements(source: str) -> tuple[set[tuple[str, str]], list[str]]:
    """``(step, name)`` pairs the module names through the loader's functions, and the calls
    whose step or name is not made of string literals (the checks below could not see them)."""
    found: set[tuple[str, str]] = set()
    unseen: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in _STEP_ARG):
            continue
        at = _STEP_ARG[node.func.id]
        # Too few arguments: a call of the old one-file-per-statement loader, sql("name").
        steps, names = ((_literals(node.args[at]), _literals(node.args[at + 1]))
                        if len(node.args) > at + 1 else (None, None))
        if steps is None or names is None:
            unseen.append(f"line {node.lineno}: {ast.unparse(node)[:100]}")
        else:
            found |= {(step, name) for step in steps for name in names}
    return found, unseen


def _literals(node: ast.expr) -> list[str] | None:
    """The strings a literal, a tuple or list of them, or a conditional between them can be;
    None for anything else (a variable, an f-string)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    parts = (node.elts if isinstance(node, ast.Tuple | ast.List)
             else [node.body, node.orelse] if isinstance(node, ast.IfExp) else None)
    if parts is None:
        return None
    found = [_literals(part) for part in parts]
    return None if any(f is None for f in found) else [s for f in found for s in f or []]


def step_statements(folder: Path) -> dict[str, list[str]]:
    """Every step file of ``folder`` and its statement names, in file order."""
    return {path.stem: list(statements(path)) for path in sorted(folder.glob("*.sql"))}


def problems(sources: dict[str, str], steps: dict[str, list[str]],
             checked_only: dict[str, str] | None = None) -> list[str]:
    """What is wrong between the Python ``sources`` (module -> text) and the step files:
    statements named but missing, statements no source names (dead), names not literal.
    ``checked_only`` sources (tests) must name existing statements but do not count as use."""
    existing = {(step, name) for step, names in steps.items() for name in names}
    used: set[tuple[str, str]] = set()
    found: list[str] = []
    for module, text in {**sources, **(checked_only or {})}.items():
        named, unseen = named_statements(text)
        found += [f"{module}: {s}.sql has no statement {n!r}" for s, n in sorted(named - existing)]
        if module in sources:
            used |= named
            found += [f"{module}: not a literal step and name, {u}" for u in unseen]
    found += [f"{s}.sql: statement {n!r} is named nowhere (dead)"
              for s, n in sorted(existing - used)]
    return found


def _sources(*folders: str) -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
            for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))
            if path != ROOT / "warehouse" / "queries.py"}


# --- the loader ---------------------------------------------------------------------------------


def test_sections_keep_their_text_and_comments_and_the_header_belongs_to_none(
        tmp_path: Path) -> None:
    path = tmp_path / "step.sql"
    path.write_text("-- What the step does.\n\n-- name: first\n-- Why.\nSELECT 1;\n\n\n"
                    "-- name: second\nSELECT 2;\nSELECT 3;\n")
    assert statements(path) == {"first": "-- Why.\nSELECT 1;\n",
                                "second": "SELECT 2;\nSELECT 3;\n"}


def test_an_unknown_step_or_statement_says_what_exists() -> None:
    with pytest.raises(UnknownStatement, match=r"no step file .*nosuch\.sql \(steps there: .*load"):
        sql("nosuch", "stage_articles")
    with pytest.raises(UnknownStatement, match=r"load\.sql has no statement 'nosuch' \(it has: "
                                               r"upsert_outlets, "):
        sql("load", "nosuch")


@pytest.mark.parametrize(("text", "problem"), [
    ("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n", r"step\.sql:3: .*'a' repeated"),
    ("-- name: Stage-It\nSELECT 1;\n", r"step\.sql:1: .*'Stage-It' not a lowercase identifier"),
    ("SELECT 0;\n-- name: a\nSELECT 1;\n", r"step\.sql:1: SQL before the first"),
])
def test_a_badly_formed_step_file_is_refused_with_its_line(tmp_path: Path, text: str,
                                                           problem: str) -> None:
    path = tmp_path / "step.sql"
    path.write_text(text)
    with pytest.raises(StepFileError, match=problem):
        statements(path)


def test_one_and_execute_each_run_named_statements(tmp_path: Path) -> None:
    con = connect(tmp_path / "news.duckdb")
    execute_each(con, "runs", ("insert_run_start",),
                 {"run_id": "r1", "flow": "f", "parameters": "{}"})
    assert one(con, "runs", "select_run_started", {"run_id": "r1"}) == (True,)
    with pytest.raises(LookupError, match=r"migrations\.sql:select_applied_migrations returned"):
        con.execute("DELETE FROM schema_migrations")
        one(con, "migrations", "select_applied_migrations")
    con.close()


# --- the checker, on made-up sources, then on the repository ---------------------------------


def test_the_checker_finds_missing_dead_and_unseen_statements() -> None:
    steps = {"load": ["stage", "insert", "dead"], "runs": ["start"]}
    source = ("con.execute(sql('load', 'stage'))\n"
              "execute_each(con, 'load', ('insert', 'missing'), params)\n"
              "one(con, 'runs', 'start' if fresh else 'start')\n"
              "con.execute(sql('load', name))\n"
              "con.execute(sql('insert_pages'))\n")
    assert problems({"m.py": source}, steps, {"t.py": "sql('runs', 'gone')"}) == [
        "m.py: load.sql has no statement 'missing'",
        "m.py: not a literal step and name, line 4: sql('load', name)",
        "m.py: not a literal step and name, line 5: sql('insert_pages')",
        "t.py: runs.sql has no statement 'gone'",
        "load.sql: statement 'dead' is named nowhere (dead)",
    ]


def test_every_statement_python_names_exists_and_none_is_dead() -> None:
    this = Path(__file__).resolve().relative_to(ROOT).as_posix()  # names made-up statements
    tests = {m: text for m, text in _sources("tests").items() if m != this}
    assert problems(_sources(*PRODUCT), step_statements(SQL_DIR), checked_only=tests) == []


def test_benchmark_sql_lives_in_bench() -> None:
    """Its statements are checked, both ways, by ``tests/bench/test_sql_files.py``."""
    assert not [p.name for p in SQL_DIR.glob("bench*.sql")]


_CREATED = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+(?:TABLE|MACRO|VIEW)|"
                      r"SECRET)\s+(\w+)", re.IGNORECASE)
_DROPPED = re.compile(r"DROP\s+(?:TABLE|MACRO\s+TABLE|MACRO|VIEW|SECRET)\s+(?:IF\s+EXISTS\s+)?"
                      r"(\w+)", re.IGNORECASE)


def test_every_temp_object_is_dropped_in_the_file_that_creates_it() -> None:
    created, dropped = {}, {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        created |= {name: path.name for name in _CREATED.findall(text)}
        dropped.setdefault(path.name, set()).update(_DROPPED.findall(text))
    assert "staged_keys" in created and "khabar_lake" in created  # the patterns see them
    assert {n: f for n, f in created.items() if n not in dropped[f]} == {}


# --- the order a step runs its statements -----------------------------------------------------


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every statement the warehouse looks up, in order (the real ``sql`` still answers)."""
    real = queries.sql
    seen: list[tuple[str, str]] = []

    def spy(step: str, name: str) -> str:
        seen.append((step, name))
        return real(step, name)

    for module in (queries, load, stories, story_features):
        monkeypatch.setattr(module, "sql", spy)
    yield seen


def out_of_order(ran: list[tuple[str, str]], step: str, elsewhere: set[str]) -> list[str]:
    """Statements of ``step`` that first ran before one that stands above them in its file
    (``elsewhere``: statements that also run at another point of the step, not checked)."""
    position = {name: i for i, name in enumerate(statements(SQL_DIR / f"{step}.sql"))}
    first = list(dict.fromkeys(n for s, n in ran if s == step and n not in elsewhere))
    return [f"{a} ran before {b}" for a, b in zip(first, first[1:], strict=False)
            if position[a] > position[b]]


def with_story_column(run_dir: Path) -> Path:
    """The run's articles.parquet with the ``story`` column the extraction workers add (the
    load copies those features instead of computing them)."""
    path = RunFolder(run_dir).articles
    table = pq.read_table(path)
    rows = [features_row(title, text, language) for title, text, language in zip(
        *(table[c].to_pylist() for c in ("title", "text", "language")), strict=True)]
    story_type = ARTICLE_SCHEMA.field("story").type
    pq.write_table(table.append_column("story", pa.array(rows, story_type)), path)
    return run_dir


def test_a_load_runs_load_sql_and_stories_sql_top_to_bottom(
        tmp_path: Path, ran: list[tuple[str, str]]) -> None:
    con = connect(tmp_path / "news.duckdb")
    pages = [art("hespress", f"a{i}", words(60 + i)) for i in range(4)]
    copy = art("le360", "copy", words(60))
    runs = [
        ("r1", write_run(tmp_path / "runs", "r1", [*pages, copy])),
        # A reload with fewer pages: the articles it dropped are deleted, signatures restored.
        ("r1", write_run(tmp_path / "again", "r1", [*pages[:2], copy])),
        # A day later, a changed text (a version), features copied from the run's file.
        ("r2", with_story_column(write_run(tmp_path / "runs", "r2",
                                           [art("hespress", "a1", words(99)), pages[0]],
                                           fetched_at=T0 + timedelta(days=1)))),
    ]
    names: set[str] = set()
    for run_id, run_dir in runs:
        ran.clear()
        load_run(con, run_id, run_dir)
        names |= {n for _, n in ran}
        # select_run_outlet_counts also runs before the load (what it replaced);
        # insert_story_keys stores the keys of copied features and, later, of computed ones.
        assert out_of_order(ran, "load", {"select_run_outlet_counts"}) == []
        assert out_of_order(ran, "stories", {"insert_story_keys"}) == []
    con.close()
    assert {"insert_story_links", "insert_version_changes", "stage_parquet_story",
            "stage_story_todo_all", "delete_orphan_articles", "select_stale_signatures"} <= names
