"""Parquet export partitioned by outlet and month, read back with DuckDB."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb

from tests.support.runs import T0, art, words, write_run
from warehouse import connect
from warehouse.__main__ import main as cli
from warehouse.export import export_parquet
from warehouse.load import load_run


def _partitions(out: Path) -> list[tuple[str, str, int]]:
    rows = duckdb.sql(
        "select outlet, month::varchar, count(*) from read_parquet(?, hive_partitioning = true) "
        "group by all order by all",
        params=[str(out / "**" / "*.parquet")],
    )
    return rows.fetchall()


def test_export_by_outlet_and_month_then_overwrite(tmp_path: Path) -> None:
    con = connect(tmp_path / "news.duckdb")
    march = [art("lebrief", f"m{i}", words(i)) for i in range(3)]
    march.append(art("le360", "x", words(9)))
    april = art("lebrief", "avril", words(20), published_at=T0 + timedelta(days=40))
    load_run(con, "r1", write_run(tmp_path / "runs", "r1", [*march, april]))
    out = tmp_path / "export"
    files = export_parquet(con, out)
    assert [f.relative_to(out).parent.as_posix() for f in files] == [
        "outlet=le360/month=2026-03",
        "outlet=lebrief/month=2026-03",
        "outlet=lebrief/month=2026-04",
    ]
    assert _partitions(out) == [
        ("le360", "2026-03", 1),
        ("lebrief", "2026-03", 3),
        ("lebrief", "2026-04", 1),
    ]
    columns = duckdb.sql(
        "describe select * from read_parquet(?, hive_partitioning = false)", params=[str(files[0])]
    )
    names = [r[0] for r in columns.fetchall()]
    assert "text" in names and "story_id" in names and "outlet" not in names  # key in the path

    # A second export replaces the first as a whole: new rows in, nothing stale left.
    load_run(con, "r2", write_run(tmp_path / "runs", "r2", [art("le360", "y", words(30))]))
    con.close()
    reader = connect(tmp_path / "news.duckdb", read_only=True)
    export_parquet(reader, out)
    assert _partitions(out)[0] == ("le360", "2026-03", 2)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export")]
    reader.close()


def test_cli_export(tmp_path: Path, capsys) -> None:
    db = tmp_path / "news.duckdb"
    con = connect(db)
    load_run(con, "r1", write_run(tmp_path / "runs", "r1", [art("lebrief", "a", words(1))]))
    con.close()
    assert cli(["--db", str(db), "export", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "lebrief" in out and "2026-03" in out and "1 parquet files" in out
