"""warehouse.load: idempotent run loads, failed and killed loads, reloads, dedup levels, raw pages,
run bookkeeping.

Each test takes a fresh DuckDB file in tmp_path, builds a run folder (raw jsonl.gz, fetch log,
articles.parquet) from ``Article`` records with ``tests/support/runs.py``, loads it and queries it.
"""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from khabar.run.layout import RunFolder
from tests.support import ROOT
from tests.support.runs import (
    T0,
    TABLES,
    art,
    counts,
    first_run,
    non_article,
    snapshot,
    words,
    write_run,
)
from transforms import story
from transforms.record import Verdict
from warehouse import connect, rawpages
from warehouse.load import (
    OutletCounts,
    RunFilesError,
    known_urls,
    load_run,
    record_run_end,
    record_run_start,
    run_summary,
    sync_outlets,
)

# --- loading -----------------------------------------------------------------------------------


def test_load_counts_and_reload_is_idempotent(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    run_dir = first_run(tmp_path)
    report = load_run(con, "r1", run_dir)
    assert report.outlets == {
        "hespress": OutletCounts(pages=2, articles_new=1, non_articles=0, errors=3),
        "lebrief": OutletCounts(pages=3, articles_new=2, non_articles=1),
    }
    assert counts(con) == {
        "pages": 5,
        "fetches": 7,
        "extractions": 5,
        "articles": 3,
        "article_versions": 3,
        "article_signatures": 3,
        "stories": 3,
        "story_features": 3,
        "story_keys": counts(con)["story_keys"],
        "story_links": 0,
        "version_changes": 0,
    }
    assert counts(con)["story_keys"] >= 3 * story.CANDIDATE_BANDS
    body, sha = con.execute(
        "select body, content_sha256 from pages where url like '%budget-2026'"
    ).fetchone()
    import hashlib
    import zlib

    assert zlib.decompress(body) == f"<p>{words(1)}</p>".encode()
    assert sha == hashlib.sha256(zlib.decompress(body)).hexdigest()
    before = snapshot(con)
    assert load_run(con, "r1", run_dir) == report
    assert snapshot(con) == before


def test_failed_load_commits_nothing_then_reload_is_clean(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    load_run(con, "r1", first_run(tmp_path))
    clean = snapshot(con)
    broken = write_run(tmp_path / "runs", "r2", [art("lebrief", "new-one", words(9))])
    good_parquet = RunFolder(broken).articles.read_bytes()
    # Pages and fetches of r2 are inserted before the parquet's rows are read: rows of another
    # run fail late. (An unreadable parquet is refused before the transaction begins.)
    table = pq.read_table(RunFolder(broken).articles)
    other = pa.array(["r9"] * table.num_rows)
    pq.write_table(table.set_column(table.schema.get_field_index("run_id"), "run_id", other),
                   RunFolder(broken).articles)
    with pytest.raises(RunFilesError):
        load_run(con, "r2", broken)
    assert snapshot(con) == clean
    assert not [t for t in threading.enumerate() if t.name == "raw-pages"]  # reader stopped
    RunFolder(broken).articles.write_bytes(good_parquet)
    load_run(con, "r2", broken)
    once = snapshot(con)
    load_run(con, "r2", broken)
    assert snapshot(con) == once
    assert con.execute("select count(*) from pages where run_id = 'r2'").fetchone() == (1,)


def test_process_killed_mid_load_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "news.duckdb"
    run_dir = first_run(tmp_path)
    script = textwrap.dedent(f"""
        import os
        import warehouse.load
        from pathlib import Path
        from warehouse import connect

        def die(con, *args, **kwargs):
            os._exit(9)  # as if killed: no rollback, no close

        warehouse.load.update_stories = die
        warehouse.load.load_run(connect({str(path)!r}), "r1", Path({str(run_dir)!r}))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=120)
    assert result.returncode == 9
    con = connect(path)
    assert set(counts(con).values()) == {0}
    load_run(con, "r1", run_dir)
    assert counts(con)["articles"] == 3
    con.close()


def test_reload_with_fewer_pages_removes_what_they_contributed(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    load_run(con, "r1", first_run(tmp_path))
    only_r1 = {t: rows for t, rows in snapshot(con).items() if t not in ("pages", "fetches")}
    day2 = T0 + timedelta(days=1)
    edited = art("lebrief", "budget-2026", words(1) + " rectificatif", title="Budget corrigé")
    fresh = art("le360", "nouveau", words(7))
    copy = art("hespress", "port-tanger-copie", words(2))  # same text as lebrief/port-tanger
    full = write_run(runs / "full", "r2", [edited, fresh, copy], fetched_at=day2)
    load_run(con, "r2", full)
    assert counts(con)["articles"] == 5
    assert con.execute("select title from articles where url like '%budget-2026'").fetchone() == (
        "Budget corrigé",
    )
    # The same run reloaded from files that lost those pages: as if they had never been loaded.
    fewer = write_run(runs / "fewer", "r2", [non_article("le360", "rubrique", Verdict.LISTING)],
                      fetched_at=day2)
    report = load_run(con, "r2", fewer)
    assert report.outlets == {"le360": OutletCounts(pages=1, non_articles=1)}
    after = {t: rows for t, rows in snapshot(con).items() if t not in ("pages", "fetches")}
    r2_extractions = [r for r in after["extractions"] if "'r2'" in r]
    assert len(r2_extractions) == 1
    after["extractions"] = [r for r in after["extractions"] if "'r2'" not in r]
    assert after == only_r1
    # Loading the full files again brings everything back, exactly.
    load_run(con, "r2", full)
    assert counts(con)["articles"] == 5


def test_reload_dropping_an_articles_first_sighting_moves_it_to_the_next(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    day2 = T0 + timedelta(days=1)
    same = [art("lebrief", "a", words(1))]
    clean = connect(tmp_path / "clean.duckdb")
    load_run(clean, "r2", write_run(runs / "b", "r2", same, fetched_at=day2))
    expected = {t: rows for t, rows in snapshot(clean).items() if t in TABLES[3:]}
    clean.close()
    con = connect(tmp_path / "news.duckdb")
    load_run(con, "r1", write_run(runs / "a", "r1", same))
    load_run(con, "r2", write_run(runs / "b2", "r2", same, fetched_at=day2))
    report = load_run(con, "r1", write_run(runs / "c", "r1", []))
    assert report.outlets == {}
    assert {t: rows for t, rows in snapshot(con).items() if t in TABLES[3:]} == expected
    assert load_run(con, "r2", runs / "b2" / "r2").outlets["lebrief"].articles_new == 1
    con.close()


def test_files_of_another_run_are_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    run_dir = write_run(tmp_path / "runs", "r1", [art("lebrief", "a", words(1))])
    with pytest.raises(RunFilesError, match="r1"):
        load_run(con, "r9", run_dir)
    assert set(counts(con).values()) == {0}


def test_refetch_updates_last_seen_never_duplicates(con: duckdb.DuckDBPyConnection, tmp_path):
    runs = tmp_path / "runs"
    load_run(con, "r1", write_run(runs, "r1", [art("lebrief", "a", words(1))]))
    later = T0 + timedelta(days=1)
    # Reached through a tracking URL this time: same canonical URL, same article.
    again = art("lebrief", "a", words(1), url="https://lebrief.ma/a?utm_source=x")
    report = load_run(con, "r2", write_run(runs, "r2", [again], fetched_at=later))
    assert report.outlets["lebrief"] == OutletCounts(pages=1)
    rows = con.execute("select first_seen, last_seen, run_id from articles").fetchall()
    assert rows == [(T0, later, "r1")]
    assert con.execute("select count(*) from article_versions").fetchone() == (1,)
    assert known_urls(con, "lebrief") == [
        "https://lebrief.ma/a",
        "https://lebrief.ma/a?utm_source=x",
    ]
    assert known_urls(con, "other") == []


def test_changed_text_adds_a_version(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    load_run(con, "r1", write_run(runs, "r1", [art("lebrief", "a", words(1), title="Avant")]))
    edited = art("lebrief", "a", words(1) + " correctif", title="Après")
    day2 = T0 + timedelta(days=1)
    report = load_run(con, "r2", write_run(runs, "r2", [edited], fetched_at=day2))
    assert report.outlets["lebrief"].articles_updated == 1
    assert report.outlets["lebrief"].articles_new == 0
    versions = con.execute(
        "select version, title, run_id from article_versions order by version"
    ).fetchall()
    assert versions == [(1, "Avant", "r1"), (2, "Après", "r2")]
    assert con.execute("select title, run_id, first_seen from articles").fetchall() == [
        ("Après", "r2", T0)
    ]
    # Reloading the older run changes nothing: the newer fetch stays in the row.
    before = snapshot(con)
    load_run(con, "r1", runs / "r1")
    assert snapshot(con) == before


def test_exact_copy_from_another_outlet_points_to_earliest(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    text = words(5)
    copy = art("hespress", "copie", text.upper(), published_at=T0 + timedelta(hours=3))
    same_outlet = art("lebrief", "bis", text, published_at=T0 + timedelta(hours=5))
    load_run(con, "r1", write_run(runs, "r1", [copy]))
    original = art("lebrief", "original", text, published_at=T0)
    report = load_run(con, "r2", write_run(runs, "r2", [original, same_outlet]))
    rows = dict(con.execute("select url, duplicate_of from articles").fetchall())
    original_id = con.execute(
        "select article_id from articles where url like '%/original'"
    ).fetchone()[0]
    assert rows == {
        "https://hespress.ma/copie": original_id,  # loaded first, published later
        "https://lebrief.ma/original": None,
        "https://lebrief.ma/bis": None,  # same outlet: a re-post, not a copy
    }
    assert report.outlets["lebrief"].duplicates == 0
    assert run_summary(con, "r1")[0]["duplicates"] == 1
    stories = con.execute("select count(*), max(article_count) from stories").fetchone()
    assert stories == (1, 3)


def test_near_duplicates_are_copies_of_the_earliest_in_one_story(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    base = words(7, 300).split()
    pages = [
        art("lebrief", "a", " ".join(base), published_at=T0 + timedelta(hours=2)),
        art(
            "hespress",
            "b",
            " ".join(base[:150] + ["selon", "la", "MAP"] + base[150:]),
            published_at=T0,
        ),
        art("le360", "c", " ".join(base[:-5]), published_at=T0 + timedelta(hours=6)),
        art("le360", "other", words(8)),
    ]
    load_run(con, "r1", write_run(tmp_path / "runs", "r1", pages))
    first = con.execute("select article_id from articles where outlet = 'hespress'").fetchone()[0]
    by_url = dict(con.execute("select url, story_id from articles").fetchall())
    assert by_url["https://lebrief.ma/a"] == by_url["https://le360.ma/c"] == first
    assert by_url["https://le360.ma/other"] != first
    assert con.execute(
        "select first_article_id, first_published_at, article_count, outlet_count "
        "from stories where story_id = ?",
        [first],
    ).fetchone() == (first, T0, 3, 3)
    delays = dict(
        con.execute(
            "select outlet, pickup_delay from story_outlets where story_id = ?", [first]
        ).fetchall()
    )
    assert delays == {
        "hespress": timedelta(0),
        "lebrief": timedelta(hours=2),
        "le360": timedelta(hours=6),
    }
    # Near-duplicates from other outlets are light-edit copies (issue 14's "copy" level: the
    # same text republished) of the earlier text they are most contained in: c (a minus five
    # words) copies a, which copies b; the unrelated article is no copy.
    ids = dict(con.execute("select url, article_id from articles").fetchall())
    copies = dict(con.execute("select url, duplicate_of from articles").fetchall())
    assert copies == {"https://lebrief.ma/a": first, "https://le360.ma/c": ids[
        "https://lebrief.ma/a"], "https://hespress.ma/b": None, "https://le360.ma/other": None}
    chain = con.execute("select depth, chain, original_id from copy_chains "
                        "where canonical_url = 'https://le360.ma/c'").fetchone()
    assert chain == (2, ["le360", "lebrief", "hespress"], first)


def test_aggregator_copy_points_to_its_original(con: duckdb.DuckDBPyConnection, tmp_path):
    runs = tmp_path / "runs"
    copy = art(
        "maghress",
        "fr/lebrief/123",
        "Publié dans LeBrief le 01 - 03 - 2026. " + words(11, 40),  # a rewritten excerpt
        original_outlet="lebrief",
        original_url="https://lebrief.ma/budget",
        original_published_at=T0,
    )
    load_run(con, "r1", write_run(runs, "r1", [copy]))  # the copy arrives before the original
    assert con.execute("select duplicate_of from articles").fetchone() == (None,)
    load_run(con, "r2", write_run(runs, "r2", [art("lebrief", "budget", words(12))]))
    rows = dict(con.execute("select outlet, article_id from articles").fetchall())
    assert con.execute(
        "select duplicate_of, story_id from articles where outlet = 'maghress'"
    ).fetchone() == (rows["lebrief"], rows["lebrief"])


# --- raw pages ---------------------------------------------------------------------------------


def _raw_lines(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _write_raw_lines(path: Path, lines: list[dict[str, object]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(line) + "\n" for line in lines)


def test_url_fetched_twice_keeps_its_latest_fetch(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rawpages, "_BATCH_ROWS", 2)  # duplicates within and across batches
    pages = [art("lebrief", slug, words(i)) for i, slug in enumerate("abcd")]
    run_dir = write_run(tmp_path / "runs", "r1", pages)
    path = RunFolder(run_dir).raw_file("lebrief")
    a, b, c, d = _raw_lines(path)

    def refetch(line: dict[str, object], hours: int, body: str) -> dict[str, object]:
        when = T0 + timedelta(hours=hours)
        return line | {"fetched_at": when.isoformat().replace("+00:00", "Z"),
                       "body_b64": base64.b64encode(body.encode()).decode()}

    # Batches of two: [a b] [c a'] [d d'] [b'], a' and d' newer, b' older.
    _write_raw_lines(path, [a, b, c, refetch(a, 1, "a newer"), d, refetch(d, 2, "d newer"),
                            refetch(b, -1, "b older")])
    load_run(con, "r1", run_dir)
    import zlib

    rows = {url: zlib.decompress(body).decode() for url, body in
            con.execute("select url, body from pages").fetchall()}
    assert rows == {
        "https://lebrief.ma/a": "a newer",
        "https://lebrief.ma/b": f"<p>{words(1)}</p>",
        "https://lebrief.ma/c": f"<p>{words(2)}</p>",
        "https://lebrief.ma/d": "d newer",
    }
    once = snapshot(con)
    load_run(con, "r1", run_dir)
    assert snapshot(con) == once


def test_raw_pages_of_another_run_are_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    run_dir = write_run(tmp_path / "runs", "r1", [art("lebrief", "a", words(1))])
    path = RunFolder(run_dir).raw_file("lebrief")
    _write_raw_lines(path, [line | {"run_id": "r0"} for line in _raw_lines(path)])
    with pytest.raises(RunFilesError, match=r"lebrief\.jsonl\.gz holds rows of run\(s\) \['r0'\]"):
        load_run(con, "r1", run_dir)
    assert set(counts(con).values()) == {0}
    assert not [t for t in threading.enumerate() if t.name == "raw-pages"]


def test_run_summary_and_run_bookkeeping(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    record_run_start(con, "r1", "nightly", {"outlets": ["lebrief", "hespress"], "days": 2})
    load_run(con, "r1", first_run(tmp_path))
    summary = run_summary(con, "r1")
    assert [
        (r["outlet"], r["pages"], r["articles_new"], r["duplicates"], r["errors"]) for r in summary
    ] == [("hespress", 2, 1, 0, 3), ("lebrief", 3, 2, 0, 0)]
    assert summary[0]["fetch_errors"] == 2 and summary[0]["extraction_errors"] == 1
    record_run_end(con, "r1", "completed", {"articles": 3})
    row = con.execute(
        "select flow, parameters->>'$.days', status, counts->>'$.articles', "
        "finished_at is not null from crawl_runs"
    ).fetchone()
    assert row == ("nightly", "2", "completed", "3", True)
    with pytest.raises(KeyError):
        record_run_end(con, "never", "failed", {})


def test_sync_outlets_upserts(con: duckdb.DuckDBPyConnection) -> None:
    from registry.model import Outlet

    outlet = Outlet.model_validate(
        {
            "id": "lebrief",
            "name": "LeBrief",
            "home": "https://lebrief.ma/",
            "hosts": ["lebrief.ma"],
            "sources": [{"kind": "feed", "url": "https://lebrief.ma/feed/"}],
            "article_patterns": ["-\\d+$"],
        }
    )
    sync_outlets(con, [outlet])
    sync_outlets(con, [outlet.model_copy(update={"name": "Le Brief"})])
    assert con.execute("select * from outlets").fetchall() == [
        ("lebrief", "Le Brief", "https://lebrief.ma/", "MA", ["fr"], False, "Africa/Casablanca")
    ]


def test_published_date_is_the_outlet_local_day(con: duckdb.DuckDBPyConnection,
                                                 tmp_path: Path) -> None:
    """An article dated at midnight in Casablanca (23:00 UTC the day before, as every maghress
    copy) is published on the local day, not the UTC one; each outlet in its own zone."""
    from types import SimpleNamespace

    def outlet(name: str, tz: str) -> SimpleNamespace:
        return SimpleNamespace(id=name, name=name, home=f"https://{name}.ma/", country="MA",
                               languages=["fr"], aggregator=False, timezone=tz)

    sync_outlets(con, [outlet("casa", "Africa/Casablanca"), outlet("nyc", "America/New_York")])
    midnight = datetime(2026, 11, 19, 23, 0, tzinfo=UTC)  # 2026-11-20 00:00 in Casablanca
    pages = [art("casa", "a-1", words(1), published_at=midnight),
             art("nyc", "b-2", words(2), published_at=midnight),  # 18:00 on the 19th there
             art("casa", "c-3", words(3), published_at=None)]
    load_run(con, "r1", write_run(tmp_path / "runs", "r1", pages))
    got = dict(con.execute("select outlet || ':' || canonical_url[-4:], published_date "
                           "from articles").fetchall())
    assert got == {"casa:/a-1": date(2026, 11, 20), "nyc:/b-2": date(2026, 11, 19),
                   "casa:/c-3": None}
    assert con.execute("select published_at::DATE from articles where outlet = 'casa' "
                       "and published_at is not null").fetchone()[0] == date(2026, 11, 19)
    days = dict(con.execute("select outlet, day from daily_counts where outlet = 'nyc'")
                .fetchall())
    assert days == {"nyc": date(2026, 11, 19)}
