"""Write and check ``docs/queries.md``: the example queries of ``warehouse/sql/examples/``,
run on the demo's read copy, with their real output.

    python -m warehouse.docs_queries --db warehouse/news.duckdb            # rewrite the page
    python -m warehouse.docs_queries --db warehouse/news.duckdb --check    # exit 1 on a problem

``--db`` is the demo database (``make demo``, twice, as the README says): the queries run on its
read copy, the file analysts are told to open, exactly as they would type them; nothing is
simulated or written to the database. Every numbered query (``qNN_*.sql``) must give rows, and
no column may be empty (NULL) in every row: a query that answers nothing on the demo, or a key
that no longer exists in the JSON it reads, is a broken promise (``problems``), and the page
must show each query's current text (``stale_queries``). ``live_*.sql`` queries need data the
frozen snapshot cannot give (an article edited after publication): the page shows their SQL,
no output.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import duckdb

from khabar.paths import default_db_path
from warehouse.db import WarehouseError
from warehouse.publish import connect_read_copy
from warehouse.queries import SQL_DIR

EXAMPLES_DIR = SQL_DIR / "examples"
DOCS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "queries.md"
_CELL = 64

HEADER = """# Everyday questions in SQL

Each question below is one short query against the warehouse, with its output on the demo
database: `make demo` run twice (the offline snapshot of three outlets, then a night that finds
nothing new), as the README suggests. The outputs are real: `python -m warehouse.docs_queries
--db warehouse/news.duckdb` runs the queries on the read copy and rewrites this file, and the
test suite checks that every query still gives rows with no empty column on such nights. The
query files are in `warehouse/sql/examples/`.

Open the **read copy**, never the file the nightly load writes (see `warehouse/schema.md`,
"Reading while the night loads"):

```sh
duckdb -readonly warehouse/news.read.duckdb        # DuckDB CLI 1.5.5; then: LOAD fts;
.venv/bin/python -m warehouse sql "select …"       # opens the read copy by itself
```

```python
import warehouse
con = warehouse.connect_read_copy()                # read-only, fts loaded, UTC session
con.sql("select * from search_articles('Bourita')").show()
```

Timestamps print in UTC (the session time zone `warehouse.connect` sets). For the day an
article was published use `published_date`, its outlet's local calendar day (Africa/Casablanca
for every shipped outlet): `published_at::DATE` is the UTC day, one day early for an article
published before 01:00 local time, as every maghress copy is (dated at local midnight).
`daily_counts` counts by the same local day.
"""


@dataclass(frozen=True)
class Example:
    """One example query and what it gave."""

    path: Path
    title: str
    note: str
    query: str
    names: list[str]
    rows: list[tuple[object, ...]]

    @property
    def live_only(self) -> bool:
        return self.path.name.startswith("live_")


def _question(text: str) -> tuple[str, str, str]:
    """(question, note, query): the first comment line, any further ones, the statement."""
    lines = text.strip().splitlines()
    comments = []
    while lines and lines[0].startswith("--"):
        comments.append(lines.pop(0).removeprefix("--").strip())
    note = " ".join(comments[1:])
    return comments[0], note, "\n".join(lines).strip()


def example_files() -> list[Path]:
    """Numbered questions first (``q01_…``), then those needing live data (``live_…``)."""
    return sorted(EXAMPLES_DIR.glob("q*.sql")) + sorted(EXAMPLES_DIR.glob("live_*.sql"))


def run_examples(con: duckdb.DuckDBPyConnection) -> list[Example]:
    """Run every example query on ``con`` (the read copy)."""
    examples = []
    for path in example_files():
        title, note, query = _question(path.read_text(encoding="utf-8"))
        try:
            cursor = con.execute(query)
        except duckdb.Error as exc:
            raise duckdb.Error(f"{path.name}: {exc}") from exc
        examples.append(Example(path, title, note, query, [d[0] for d in cursor.description],
                                cursor.fetchall()))
    return examples


def problems(examples: list[Example]) -> list[str]:
    """What makes a numbered example useless on this data: no rows, or a column that is NULL
    in every row (a renamed JSON key, a join that matches nothing)."""
    found = []
    for example in examples:
        if example.live_only:
            continue
        if not example.rows:
            found.append(f"{example.path.name}: no rows")
            continue
        for i, name in enumerate(example.names):
            if all(row[i] is None for row in example.rows):
                found.append(f"{example.path.name}: column {name} is NULL in every row")
    return found


def stale_queries(page: Path = DOCS_PAGE) -> list[str]:
    """Example files whose current SQL the docs page does not show."""
    text = page.read_text(encoding="utf-8")
    return [path.name for path in example_files()
            if f"```sql\n{_question(path.read_text(encoding='utf-8'))[2]}\n```" not in text]


def _table(names: list[str], rows: list[tuple[object, ...]]) -> str:
    def cell(value: object) -> str:
        text = "" if value is None else str(value).replace("\n", " ")
        return text if len(text) <= _CELL else text[: _CELL - 1] + "…"

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(n), *(len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def render(examples: list[Example]) -> str:
    """The markdown page: numbered questions with their output, then the live-only ones."""
    parts = [HEADER]
    numbered = [e for e in examples if not e.live_only]
    for number, ex in enumerate(numbered, start=1):
        parts.append(
            f"## {number}. {ex.title}\n\n`warehouse/sql/examples/{ex.path.name}`\n\n"
            f"```sql\n{ex.query}\n```\n\n```text\n{_table(ex.names, ex.rows)}\n```\n"
            + (f"\n{ex.note}\n" if ex.note else ""))
    live = [e for e in examples if e.live_only]
    if live:
        parts.append("## On live outlets\n\nThese need what a frozen snapshot never has; the "
                     "demo gives them no rows.\n")
        for ex in live:
            parts.append(f"### {ex.title}\n\n`warehouse/sql/examples/{ex.path.name}`\n\n"
                         f"```sql\n{ex.query}\n```\n" + (f"\n{ex.note}\n" if ex.note else ""))
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.docs_queries",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=default_db_path(),
                        help="the demo database; its read copy is queried (not modified)")
    parser.add_argument("--out", type=Path, default=DOCS_PAGE)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a query gives nothing or the page is stale")
    args = parser.parse_args(argv)
    try:
        con = connect_read_copy(args.db)
        try:
            examples = run_examples(con)
        finally:
            con.close()
    except (duckdb.Error, WarehouseError) as exc:
        parser.exit(1, f"{parser.prog}: error: {str(exc).splitlines()[0]}\n")
    found = problems(examples)
    if args.check:
        found += [f"{name}: {args.out} does not show its current SQL"
                  for name in stale_queries(args.out)]
        for problem in found:
            print(problem)
        print(f"{len(examples)} queries, {len(found)} problems")
        return 1 if found else 0
    if found:
        print("\n".join(found))
        print(f"not written: {len(found)} problems (run the demo twice first?)")
        return 1
    args.out.write_text(render(examples), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
