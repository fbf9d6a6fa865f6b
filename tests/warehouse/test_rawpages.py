"""``pages`` rows made by the extraction workers (``pages.parquet``) load as the raw files do.

``pipeline.extraction.extract_run`` writes each raw page's ``pages`` row (body compressed and
hashed) next to ``articles.parquet``; ``warehouse.load.load_run`` inserts them with SQL when the
file was made from the raw files as they are, and reads the raw files otherwise. Both paths must
give the same table: latest fetch of a URL wins, reloads replace, failures leave nothing.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import shutil
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import pipeline.extraction as extraction
import warehouse.load
from khabar.run.layout import PAGES_FILE, RunFolder
from pipeline.extraction import extract_run
from warehouse import connect
from warehouse.load import RunFilesError, load_run
from warehouse.rawpages import pages_parquet

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _line(run_id: str, outlet: str, slug: str, body: str, hours: float = 0, **extra) -> dict:
    when = (T0 + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
    url = f"https://{outlet}.ma/{slug}"
    return {
        "run_id": run_id, "outlet": outlet, "url": url, "final_url": url, "status": 200,
        "headers": {"content-type": "text/html; charset=utf-8", "x-note": "été \"cité\""},
        "body_b64": base64.b64encode(body.encode()).decode(), "fetched_at": when,
        "sources": ["feed", "sitemap"],
    } | extra


def _write(path: Path, lines: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def _html(text: str) -> str:
    return f"<html><head><title>{text}</title></head><body><article><p>{text} " * 3 + "</body>"


def _run(root: Path, run_id: str = "r1") -> Path:
    """Two outlets; lebrief fetched a, b, d twice (a and d newer later, b older, c a tie)."""
    run_dir = root / run_id
    _write(RunFolder(run_dir).raw_file("lebrief"), [
        _line(run_id, "lebrief", "a", _html("a first")),
        _line(run_id, "lebrief", "b", _html("b first")),
        _line(run_id, "lebrief", "c", _html("c first")),
        _line(run_id, "lebrief", "a", _html("a newer"), hours=1),
        _line(run_id, "lebrief", "d", _html("d first")),
        _line(run_id, "lebrief", "c", _html("c tie, later line")),
        _line(run_id, "lebrief", "d", _html("d newer"), hours=2),
        _line(run_id, "lebrief", "b", _html("b older"), hours=-1),
        _line(run_id, "lebrief", "gone", "<p>Not found</p>", status=404, sources=[]),
    ])
    _write(RunFolder(run_dir).raw_file("le360"), [
        _line(run_id, "le360", "x", _html("x")),
        _line(run_id, "le360", "y", _html("y"), final_url=""),
    ])
    return run_dir


LATEST = {
    "https://lebrief.ma/a": "a newer", "https://lebrief.ma/b": "b first",
    "https://lebrief.ma/c": "c tie, later line", "https://lebrief.ma/d": "d newer",
    "https://lebrief.ma/gone": None, "https://le360.ma/x": "x", "https://le360.ma/y": "y",
}


def _pages(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select run_id, outlet, url, final_url, status, headers::varchar, body, content_sha256,"
        " fetched_at, sources from pages order by run_id, url"
    ).fetchall()


def _bodies(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    found = {}
    for url, body, sha in con.execute("select url, body, content_sha256 from pages").fetchall():
        raw = zlib.decompress(body)
        assert hashlib.sha256(raw).hexdigest() == sha
        text = raw.decode()
        found[url] = None if "Not found" in text else text.split("<title>")[1].split("<")[0]
    return found


@pytest.fixture
def extracted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(extraction, "_PAGES_GROUP_BYTES", 1)  # one row group per batch
    monkeypatch.setattr(extraction, "_BATCH", 2)  # duplicates within and across groups
    run_dir = _run(tmp_path / "runs")
    extract_run(run_dir, {}, workers=0)
    return run_dir


def test_pages_parquet_loads_as_the_raw_files_do(extracted: Path, tmp_path: Path) -> None:
    raw = RunFolder(extracted).raw_files()
    assert pages_parquet(extracted, raw) == extracted / PAGES_FILE
    assert pq.ParquetFile(extracted / PAGES_FILE).metadata.num_row_groups > 1
    fast = connect(tmp_path / "fast.duckdb")
    report = load_run(fast, "r1", extracted)
    assert _bodies(fast) == LATEST

    slow_dir = tmp_path / "slow" / "r1"
    shutil.copytree(extracted, slow_dir)
    (slow_dir / PAGES_FILE).unlink()
    slow = connect(tmp_path / "slow.duckdb")
    assert load_run(slow, "r1", slow_dir) == report
    assert _pages(fast) == _pages(slow)

    once = _pages(fast)
    assert load_run(fast, "r1", extracted) == report  # a rerun replaces, never duplicates
    assert _pages(fast) == once and len(once) == len(LATEST)


def test_stale_or_moved_raw_files_are_not_taken_from_pages_parquet(
    extracted: Path, tmp_path: Path
) -> None:
    con = connect(tmp_path / "news.duckdb")
    path = RunFolder(extracted).raw_file("le360")
    _write(path, [_line("r1", "le360", "x", _html("x recrawled"))])  # not re-extracted
    assert pages_parquet(extracted, RunFolder(extracted).raw_files()) is None
    load_run(con, "r1", extracted)
    assert _bodies(con)["https://le360.ma/x"] == "x recrawled"
    assert "https://le360.ma/y" not in _bodies(con)

    # Raw files moved away (a re-extraction does so; people delete them once a run is loaded):
    # pages.parquet no longer matches them, and the pages stored already are kept.
    stored = _pages(con)
    RunFolder(extracted).raw_dir.rename(RunFolder(extracted).source_dir)
    report = load_run(con, "r1", extracted)
    assert _pages(con) == stored
    assert report.kept_pages == ["le360", "lebrief"]


def test_pages_parquet_of_another_run_is_refused(tmp_path: Path) -> None:
    extract_run(_run(tmp_path / "runs", "r0"), {}, workers=0)
    # Renamed, with an articles.parquet of no rows: only pages.parquet says which run it is.
    run_dir = (tmp_path / "runs" / "r0").rename(tmp_path / "runs" / "r1")
    articles = RunFolder(run_dir).articles
    pq.write_table(pq.read_table(articles).slice(0, 0), articles)
    con = connect(tmp_path / "news.duckdb")
    with pytest.raises(RunFilesError, match=r"pages\.parquet holds rows of run\(s\) \['r0'\]"):
        load_run(con, "r1", run_dir)
    assert con.execute("select count(*) from pages").fetchone() == (0,)


def test_a_failed_load_leaves_the_pages_it_replaced(
    extracted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = connect(tmp_path / "news.duckdb")
    load_run(con, "r1", extracted)
    before = _pages(con)

    def broken(*args: object) -> None:
        raise RuntimeError("killed after the pages")

    monkeypatch.setattr(warehouse.load, "_report", broken)
    with pytest.raises(RuntimeError, match="killed after the pages"):
        load_run(con, "r1", extracted)
    assert _pages(con) == before


def test_extraction_without_pages_rows_leaves_the_raw_files_to_the_loader(
    extracted: Path, tmp_path: Path
) -> None:
    fast = connect(tmp_path / "fast.duckdb")
    load_run(fast, "r1", extracted)
    extract_run(extracted, {}, workers=0, pages=False)  # pages stored already (re-extraction)
    assert not (extracted / PAGES_FILE).exists()
    assert not list(extracted.glob("*.tmp"))
    slow = connect(tmp_path / "slow.duckdb")
    load_run(slow, "r1", extracted)
    assert _pages(slow) == _pages(fast)
