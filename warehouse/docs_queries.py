"""Write ``docs/queries.md``: the example queries in ``warehouse/sql/examples/`` with real output.

    python -m warehouse.docs_queries --db /tmp/demo/news.duckdb --runs-dir /tmp/demo/runs

It copies the demo database (made by ``python -m flows.nightly --snapshot``) to a temporary
directory, adds a second night in which one lebrief article was edited (the snapshot holds one
night only, so without it the "what changed" question would have nothing to show), publishes
the read copy as every load does, runs each example there and writes the questions, the SQL and
the output. The demo database itself is not modified.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.dedup import content_hash, minhash_signature
from warehouse.db import connect
from warehouse.examples import latest_run
from warehouse.load import load_run, record_run_end, record_run_start, run_summary
from warehouse.publish import after_load, connect_read_copy
from warehouse.queries import SQL_DIR

EXAMPLES_DIR = SQL_DIR / "examples"
_CELL = 64

HEADER = """# Everyday questions in SQL

Each question below is one short query against the warehouse, with its output on the demo
database (`make demo`: the offline snapshot of three outlets), plus one simulated second night in
which lebrief corrected an article (the snapshot holds a single night, so the "what changed"
question would otherwise have nothing to show). The outputs are real: `python -m
warehouse.docs_queries` runs the queries and rewrites this file. The query files are in
`warehouse/sql/examples/`.

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

Timestamps print in UTC (the session time zone `warehouse.connect` sets); `daily_counts` uses
the Casablanca calendar day.
"""


def _question(text: str) -> tuple[str, str, str]:
    """(question, note, query): the first comment line, any further ones, the statement."""
    lines = text.strip().splitlines()
    comments = []
    while lines and lines[0].startswith("--"):
        comments.append(lines.pop(0).removeprefix("--").strip())
    note = " ".join(comments[1:])
    return comments[0], note, "\n".join(lines).strip()


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


def _second_night(db: Path, runs_dir: Path, work: Path) -> None:
    """Reload one lebrief article of the latest run, edited, as a night one day later."""
    con = connect(db)
    try:
        first = latest_run(con)
        if first is None:
            raise SystemExit(f"{db} has no finished run: run the demo first")
        source = runs_dir / first["run_id"] / "articles.parquet"
        table = pq.read_table(source)
        mask = pc.and_(pc.equal(table["outlet"], "lebrief"), pc.equal(table["verdict"], "article"))
        row = table.filter(mask).sort_by("canonical_url").slice(0, 1).to_pylist()[0]
        run_id = first["run_id"] + "-edit"
        row["run_id"] = run_id
        row["fetched_at"] = row["fetched_at"] + timedelta(days=1)
        row["title"] = row["title"] + " (mis à jour)"
        row["text"] = row["text"] + "\n\nMise à jour : le ministère a précisé le calendrier."
        row["word_count"] = len(row["text"].split())
        row["content_hash"] = content_hash(row["text"])
        row["minhash"] = minhash_signature(row["text"])
        run_dir = work / "runs" / run_id
        run_dir.mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist([row], schema=table.schema),
                       run_dir / "articles.parquet")
        record_run_start(con, run_id, "nightly", {"simulated": "edited article"})
        load_run(con, run_id, run_dir)
        record_run_end(con, run_id, "completed", {"outlets": run_summary(con, run_id)})
    finally:
        con.close()


def render(con) -> str:  # noqa: ANN001 - a DuckDB connection
    """The markdown of every example run on ``con``."""
    parts = [HEADER]
    for number, path in enumerate(sorted(EXAMPLES_DIR.glob("q*.sql")), start=1):
        title, note, query = _question(path.read_text(encoding="utf-8"))
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description]
        output = _table(names, cursor.fetchall())
        parts.append(
            f"## {number}. {title}\n\n`warehouse/sql/examples/{path.name}`\n\n"
            f"```sql\n{query}\n```\n\n```text\n{output}\n```\n"
            + (f"\n{note}\n" if note else "")
        )
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the demo database (not modified)")
    parser.add_argument("--runs-dir", type=Path,
                        default=Path(os.environ.get("KHABAR_RUNS_DIR", "data/runs")))
    parser.add_argument("--out", type=Path, default=Path("docs/queries.md"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="khabar-docs-") as tmp:
        work = Path(tmp)
        db = work / "news.duckdb"
        shutil.copyfile(args.db, db)
        _second_night(db, args.runs_dir, work)
        after_load(db)
        con = connect_read_copy(db)
        try:
            args.out.write_text(render(con), encoding="utf-8")
        finally:
            con.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
