"""warehouse: migrations, connection errors, idempotent run loads, dedup levels, stories, search.

Each test takes a fresh DuckDB file in tmp_path, builds a run folder (raw jsonl.gz, fetch log,
articles.parquet) from ``Article`` records with the helpers below, loads it and queries it.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import textwrap
import threading
import types
import typing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import BaseModel

from transforms import story
from transforms.dedup import content_hash, minhash_signature
from transforms.record import Article, Verdict
from warehouse import WarehouseError, connect, rawpages, stories
from warehouse.__main__ import main as cli
from warehouse.db import memory_limit_for, migrate, migrations, schema_version
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
from warehouse.queries import sql
from warehouse.search import build_search_index, search_articles
from warehouse.stories import band_keys, update_stories

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TABLES = (
    "pages",
    "fetches",
    "extractions",
    "articles",
    "article_versions",
    "article_signatures",
    "stories",
    "story_features",
    "story_keys",
    "story_links",
    "version_changes",
)

# --- run folder builders -----------------------------------------------------------------------


def _arrow_type(annotation: object) -> pa.DataType:
    """Parquet type of an ``Article`` field, following the flow's contract."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return _arrow_type(args[0])
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):  # Article.embeds
            return pa.list_(pa.struct(
                [(n, _arrow_type(f.annotation)) for n, f in item.model_fields.items()]))
        return pa.list_(pa.string())
    if annotation is datetime:
        return pa.timestamp("us", tz="UTC")
    if annotation is int:
        return pa.int64()
    return pa.string()  # str and the Verdict enum


def _schema() -> pa.Schema:
    fields = [pa.field(n, _arrow_type(f.annotation)) for n, f in Article.model_fields.items()]
    return pa.schema(
        [
            *fields,
            pa.field("run_id", pa.string()),
            pa.field("fetched_at", pa.timestamp("us", tz="UTC")),
            pa.field("http_status", pa.int64()),
            pa.field("content_hash", pa.string()),
            pa.field("minhash", pa.list_(pa.uint64())),
        ]
    )


def art(outlet: str, slug: str, text: str, *, title: str | None = None, **extra: object) -> Article:
    """An article page of ``outlet`` at ``https://<outlet>.ma/<slug>``."""
    url = f"https://{outlet}.ma/{slug}"
    fields: dict[str, object] = {
        "verdict": Verdict.ARTICLE,
        "outlet": outlet,
        "url": url,
        "canonical_url": url,
        "title": title or slug.replace("-", " "),
        "text": text,
        "word_count": len(text.split()),
        "language": "fr",
        "authors": ["Rédaction"],
        "published_at": T0,
        "extractor": "generic",
        "extractor_version": "1",
    }
    fields.update(extra)
    return Article.model_validate(fields)


def non_article(outlet: str, slug: str, verdict: Verdict) -> Article:
    url = f"https://{outlet}.ma/{slug}"
    return Article(verdict=verdict, outlet=outlet, url=url, canonical_url=url, reason="test")


def write_run(
    root: Path,
    run_id: str,
    pages: list[Article],
    *,
    fetched_at: datetime = T0,
    failed_fetches: dict[str, int] | None = None,
) -> Path:
    """A run folder as the crawler and the extraction flow write it."""
    run_dir = root / run_id
    (run_dir / "raw").mkdir(parents=True)
    (run_dir / "fetches").mkdir()
    stamp = fetched_at.isoformat().replace("+00:00", "Z")
    outlets = sorted({p.outlet for p in pages} | set(failed_fetches or {}))
    for outlet in outlets:
        mine = [p for p in pages if p.outlet == outlet]
        raw = [
            {
                "run_id": run_id,
                "outlet": outlet,
                "url": p.url,
                "final_url": p.url,
                "status": 200,
                "headers": {"content-type": "text/html; charset=utf-8"},
                "body_b64": base64.b64encode(f"<p>{p.text}</p>".encode()).decode(),
                "fetched_at": stamp,
                "sources": ["feed"],
            }
            for p in mine
        ]
        fetches = [
            {
                "run_id": run_id,
                "outlet": outlet,
                "url": p.url,
                "status": 200,
                "error": None,
                "bytes": len(p.text),
                "duration_ms": 12.5,
                "fetched_at": stamp,
            }
            for p in mine
        ]
        for i in range((failed_fetches or {}).get(outlet, 0)):
            fetches.append(
                {
                    "run_id": run_id,
                    "outlet": outlet,
                    "url": f"https://{outlet}.ma/x{i}",
                    "status": None,
                    "error": "TimeoutError",
                    "bytes": 0,
                    "duration_ms": 30000.0,
                    "fetched_at": stamp,
                }
            )
        for folder, rows in (("raw", raw), ("fetches", fetches)):
            with gzip.open(run_dir / folder / f"{outlet}.jsonl.gz", "wt", encoding="utf-8") as f:
                f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    rows = []
    for page in pages:
        row = page.model_dump(mode="python")
        row["verdict"] = str(page.verdict)
        is_article = page.verdict is Verdict.ARTICLE
        row.update(
            run_id=run_id,
            fetched_at=fetched_at,
            http_status=200,
            content_hash=content_hash(page.text),
            minhash=minhash_signature(page.text) if is_article else [],
        )
        rows.append(row)
    pq.write_table(pa.Table.from_pylist(rows, schema=_schema()), run_dir / "articles.parquet")
    return run_dir


def words(seed: int, n: int = 120) -> str:
    """A distinct French-looking text (seeded) long enough for shingles."""
    import random

    rng = random.Random(seed)
    vocab = "maroc rabat réforme santé gouvernement élection marché eau port énergie".split()
    return " ".join(f"{rng.choice(vocab)}{rng.randrange(1000)}" for _ in range(n))


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.table(t).aggregate("count(*)").fetchone()[0] for t in TABLES}


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    """Every stored row (minus load-time columns), to compare two loads exactly."""
    return {t: sorted(map(repr, con.table(t).fetchall())) for t in TABLES}


@pytest.fixture
def con(tmp_path: Path) -> typing.Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(tmp_path / "news.duckdb")
    yield connection
    connection.close()


# --- schema and connection ---------------------------------------------------------------------


def test_migrations_from_zero_then_reopen_is_noop(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "news.duckdb"
    first = connect(path)
    assert schema_version(first) == len(migrations()) == migrations()[-1].version
    applied = first.execute("select version, applied_at from schema_migrations").fetchall()
    first.close()
    again = connect(path)
    assert migrate(again) == []
    assert again.execute("select version, applied_at from schema_migrations").fetchall() == applied
    views = again.execute("select view_name from duckdb_views() where not internal").fetchall()
    assert {"latest_articles", "daily_counts", "story_outlets"} <= {v[0] for v in views}
    again.close()


def test_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "news.duckdb"
    path.write_bytes(b"PK\x03\x04 definitely a zip file, not a database" * 10)
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(WarehouseError, match="is not a DuckDB database file"):
            connect(path, read_only=read_only)
    assert path.read_bytes() == before
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    with pytest.raises(WarehouseError, match="0 bytes"):
        connect(empty)


def test_locked_file_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "news.duckdb"
    connect(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from warehouse import connect
            con = connect({str(path)!r})
            print("held", flush=True)
            sys.stdin.read()
        """),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for read_only in (False, True):
            with pytest.raises(WarehouseError) as error:
                connect(path, read_only=read_only, wait=0)
            message = str(error.value)
            assert f"PID {holder.pid}" in message and "locked by another process" in message
            assert "Close that process" in message and "retry" in message
    finally:
        holder.communicate("", timeout=30)
    connect(path).close()  # released: opens again


def test_missing_file_read_only_and_unwritable_directory(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="does not exist"):
        connect(tmp_path / "nope.duckdb", read_only=True)
    assert not (tmp_path / "nope.duckdb").exists()
    not_a_dir = tmp_path / "a-file"
    not_a_dir.write_text("x")
    with pytest.raises(WarehouseError, match="cannot create directory"):
        connect(not_a_dir / "sub" / "news.duckdb")
    locked_dir = tmp_path / "ro"
    locked_dir.mkdir(mode=0o555)
    if os.geteuid() == 0:
        pytest.skip("running as root: directory permissions are not enforced")
    with pytest.raises(WarehouseError, match="not writable"):
        connect(locked_dir / "news.duckdb")


# --- loading -----------------------------------------------------------------------------------


def _first_run(tmp_path: Path) -> Path:
    return write_run(
        tmp_path / "runs",
        "r1",
        [
            art("lebrief", "budget-2026", words(1)),
            art("lebrief", "port-tanger", words(2)),
            non_article("lebrief", "rubrique-politique", Verdict.LISTING),
            art("hespress", "eau-potable", words(3)),
            non_article("hespress", "broken", Verdict.ERROR),
        ],
        failed_fetches={"hespress": 2},
    )


def test_load_counts_and_reload_is_idempotent(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    run_dir = _first_run(tmp_path)
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
    load_run(con, "r1", _first_run(tmp_path))
    clean = snapshot(con)
    broken = write_run(tmp_path / "runs", "r2", [art("lebrief", "new-one", words(9))])
    good_parquet = (broken / "articles.parquet").read_bytes()
    # Pages and fetches of r2 are inserted before the parquet's rows are read: rows of another
    # run fail late. (An unreadable parquet is refused before the transaction begins.)
    table = pq.read_table(broken / "articles.parquet")
    other = pa.array(["r9"] * table.num_rows)
    pq.write_table(table.set_column(table.schema.get_field_index("run_id"), "run_id", other),
                   broken / "articles.parquet")
    with pytest.raises(RunFilesError):
        load_run(con, "r2", broken)
    assert snapshot(con) == clean
    assert not [t for t in threading.enumerate() if t.name == "raw-pages"]  # reader stopped
    (broken / "articles.parquet").write_bytes(good_parquet)
    load_run(con, "r2", broken)
    once = snapshot(con)
    load_run(con, "r2", broken)
    assert snapshot(con) == once
    assert con.execute("select count(*) from pages where run_id = 'r2'").fetchone() == (1,)


def test_process_killed_mid_load_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "news.duckdb"
    run_dir = _first_run(tmp_path)
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
    load_run(con, "r1", _first_run(tmp_path))
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


# --- story graph: incremental, and the same as the reference ---------------------------------


def _reference(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    """Stories and copies as the pure reference makes them: every pair of stored articles scored
    (no candidate search), then ``assign_stories`` over every article."""
    rows = con.execute(
        "select a.article_id, a.outlet, a.title, a.text, a.language, a.published_at, "
        "a.first_seen, a.original_url, s.minhash from articles a "
        "left join article_signatures s using (article_id) order by a.article_id"
    ).fetchall()
    addresses = dict(con.execute(
        "select canonical_url, article_id from articles union select url, article_id "
        "from articles"
    ).fetchall())
    feats = {r[0]: story.story_features(r[2], r[3], r[4]) for r in rows}
    links = []
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            when_a, when_b = a[5] or a[6], b[5] or b[6]
            if abs((when_a - when_b).days) > story.WINDOW_DAYS + 1:
                continue
            verdict = story.score_pair(feats[a[0]], feats[b[0]], a[8] or [], b[8] or [],
                                       when_a, when_b, same_outlet=a[1] == b[1])
            if verdict.kind:
                links.append((a[0], b[0], verdict.kind, round(verdict.containment, 4)))
        original = addresses.get(a[7]) if a[7] else None
        if original and original != a[0]:
            links.append((a[0], original, "declared", None))
    members = [story.Member(r[0], r[1], r[5], r[6]) for r in rows]
    return story.assign_stories(members, links)


def _check_stories(con: duckdb.DuckDBPyConnection) -> None:
    """Stored stories and copies = the reference; the incremental graph = a rebuild."""
    stored = {a: (s, d) for a, s, d in con.execute(
        "select article_id, story_id, duplicate_of from articles").fetchall()}
    assert stored == _reference(con)
    assert all(a < b for a, b in con.execute(
        "select article_id, other_id from story_links where kind <> 'declared'").fetchall())
    assert con.execute("select count(*) from (select article_id, other_id, kind from story_links "
                       "group by all having count(*) > 1)").fetchone() == (0,)
    before = snapshot(con)
    con.begin()
    update_stories(con)  # changed=None: the graph and stories rebuilt from every article
    assert snapshot(con) == before
    con.rollback()


def _variant(seed: int, k: int) -> str:
    """Near-duplicate k of text ``seed``: one word inserted (Jaccard ~0.97)."""
    base = words(100 + seed, 300).split()
    base.insert(40 + 25 * k, f"ajout{k}")
    return " ".join(base)


def test_incremental_story_graph_matches_rebuild_and_reference(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    day = [T0 + timedelta(days=d) for d in range(4)]
    r1 = [
        art("lebrief", "a0", _variant(0, 0), published_at=day[0]),
        art("le360", "a1", _variant(1, 0), published_at=day[0]),
        art("hespress", "seul", words(7)),
    ]
    r2 = [
        art("hespress", "a0-bis", _variant(0, 1), published_at=day[0] - timedelta(hours=1)),
        art("le360", "a1", words(8), title="a1 réécrit"),  # edited: leaves story a1
        art("lebrief", "a2", _variant(2, 0), published_at=day[1]),
        art("telquel", "a2", _variant(2, 1), published_at=day[1] + timedelta(hours=2)),
        art("maghress", "fr/lebrief/a0", _variant(0, 0), original_url="https://lebrief.ma/a0"),
    ]
    r3 = [
        art("lebrief", "a1-bis", _variant(1, 1), published_at=day[2]),
        art("yabiladi", "a2", _variant(2, 2), published_at=day[2]),
        art("le360", "a3", _variant(3, 0)),
    ]
    for run_id, pages, when in (("r1", r1, day[0]), ("r2", r2, day[1]), ("r3", r3, day[2])):
        load_run(con, run_id, write_run(runs / run_id, run_id, pages, fetched_at=when))
        _check_stories(con)
    assert con.execute("select count(*) from story_links").fetchone()[0] >= 4
    # r2 reloaded without most of its pages, then whole again.
    fewer = write_run(runs / "fewer", "r2", r2[2:3], fetched_at=day[1])
    load_run(con, "r2", fewer)
    _check_stories(con)
    load_run(con, "r2", runs / "r2" / "r2")
    _check_stories(con)


def test_a_night_updates_the_story_graph_without_rebuilding_it(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    pair = [art("lebrief", "a", _variant(0, 0)), art("le360", "b", _variant(0, 1))]
    load_run(con, "r1", write_run(runs, "r1", pair))
    ran: list[str] = []
    real = stories.sql
    monkeypatch.setattr(stories, "sql", lambda step, name: ran.append(name) or real(step, name))
    later = [art("hespress", "c", _variant(0, 2)), art("hespress", "d", words(4))]
    load_run(con, "r2", write_run(runs, "r2", later, fetched_at=T0 + timedelta(days=1)))
    assert "stage_story_changes" in ran and "stage_all_story_changes" not in ran
    assert con.execute("select count(distinct story_id) from articles").fetchone() == (2,)
    _check_stories(con)


def test_band_keys_equal_exactly_when_a_band_is() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2**32, size=128, dtype=np.uint64)
    b = a.copy()
    b[story.CANDIDATE_ROWS:] += 1  # only band 0 still equal
    keys = band_keys(np.stack([a, b]))
    assert keys.shape == (2, story.CANDIDATE_BANDS) and (keys >= 0).all()
    assert keys[0, 0] == keys[1, 0] and not (keys[0, 1:] == keys[1, 1:]).any()
    # The same values in two different bands make two different keys.
    c = np.tile(a[: story.CANDIDATE_ROWS], 128 // story.CANDIDATE_ROWS + 1)[:128]
    assert len(set(band_keys(c[None, :])[0])) == story.CANDIDATE_BANDS


def test_story_graph_out_of_step_is_rebuilt(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stories, "_PART", 1)  # a rebuild goes a slice at a time
    runs = tmp_path / "runs"
    pair = [art("lebrief", "a", _variant(0, 0)), art("le360", "b", _variant(0, 1))]
    load_run(con, "r1", write_run(runs, "r1", pair))
    r2 = write_run(runs, "r2", [art("hespress", "c", words(3))], fetched_at=T0 + timedelta(1))
    load_run(con, "r2", r2)
    expected = snapshot(con)
    assert len(expected["story_links"]) == 1
    # As a warehouse migrated to the story graph finds it: articles, no features, keys, links.
    for table in ("story_features", "story_keys", "story_links"):
        con.execute(f"delete from {table}")
    load_run(con, "r2", r2)  # touches only c, yet the whole graph comes back
    assert snapshot(con) == expected


def test_misshapen_signature_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    load_run(con, "r1", write_run(tmp_path / "runs", "r1", [art("lebrief", "a", words(1))]))
    con.execute("update article_signatures set minhash = minhash[1:64]")
    with pytest.raises(ValueError, match="64 values, not 128"):
        update_stories(con)


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
    path = run_dir / "raw" / "lebrief.jsonl.gz"
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
    path = run_dir / "raw" / "lebrief.jsonl.gz"
    _write_raw_lines(path, [line | {"run_id": "r0"} for line in _raw_lines(path)])
    with pytest.raises(RunFilesError, match=r"lebrief\.jsonl\.gz holds rows of run\(s\) \['r0'\]"):
        load_run(con, "r1", run_dir)
    assert set(counts(con).values()) == {0}
    assert not [t for t in threading.enumerate() if t.name == "raw-pages"]


def test_connection_settings_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def settings(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
        return con.execute(
            "select current_setting('memory_limit'), current_setting('threads')"
        ).fetchone()

    con = connect(tmp_path / "a.duckdb")
    assert settings(con)[0] == "244.1 MiB"  # DEFAULT_MEMORY_LIMIT, 256 MB
    con.close()
    monkeypatch.setenv("KHABAR_DUCKDB_MEMORY", "1GB")
    monkeypatch.setenv("KHABAR_DUCKDB_THREADS", "1")
    con = connect(tmp_path / "b.duckdb")
    assert settings(con) == ("953.6 MiB", 1)
    con.close()
    monkeypatch.setenv("KHABAR_DUCKDB_THREADS", "two")
    with pytest.raises(WarehouseError, match="KHABAR_DUCKDB_THREADS"):
        connect(tmp_path / "c.duckdb")


def test_memory_limit_grows_with_the_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A warehouse of 1.2M articles opens with more than the 256 MB default (at 1M stored a
    night ran out of memory there), unless KHABAR_DUCKDB_MEMORY says otherwise."""
    monkeypatch.delenv("KHABAR_DUCKDB_MEMORY", raising=False)
    path = tmp_path / "big.duckdb"
    con = connect(path)
    con.execute("insert into articles (article_id, outlet, canonical_url, url, first_seen, "
                "last_seen, run_id) select 'a' || range, 'o', 'u' || range, 'u' || range, "
                "now(), now(), 'r' from range(1200000)")
    con.close()
    con = connect(path)
    limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    con.close()
    assert limit == duckdb.connect(config={"memory_limit": memory_limit_for(1_200_000)}).execute(
        "select current_setting('memory_limit')").fetchone()[0]
    assert memory_limit_for(1_200_000) == "563MB"
    monkeypatch.setenv("KHABAR_DUCKDB_MEMORY", "300MB")
    con = connect(path, read_only=True)
    assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "286.1 MiB"
    con.close()


def test_run_summary_and_run_bookkeeping(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    record_run_start(con, "r1", "nightly", {"outlets": ["lebrief", "hespress"], "days": 2})
    load_run(con, "r1", _first_run(tmp_path))
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


def test_migration_gives_stored_articles_their_local_day(tmp_path: Path) -> None:
    """A warehouse made before migration 0015 gets published_date for the articles it holds."""
    path = tmp_path / "old.duckdb"
    raw = duckdb.connect(str(path))
    raw.execute("SET TimeZone = 'UTC'")
    raw.execute(sql("migrations", "create_schema_migrations"))
    for migration in migrations():
        if migration.version < 15:
            raw.execute(migration.path.read_text())
            raw.execute("insert into schema_migrations (version, name) values (?, ?)",
                        [migration.version, migration.name])
    raw.execute("insert into outlets values ('maghress_fr', 'M', 'https://m/', 'MA', ['fr'], true)")
    raw.execute("insert into articles (article_id, outlet, canonical_url, url, published_at, "
                "first_seen, last_seen, run_id) values ('a', 'maghress_fr', 'u', 'u', "
                "TIMESTAMPTZ '2026-11-19 23:00:00+00', now(), now(), 'r')")
    raw.close()
    with connect(path) as migrated:
        assert migrated.execute("select published_date from articles").fetchone()[0] == date(
            2026, 11, 20)
        assert migrated.execute("select timezone from outlets").fetchone()[0] == (
            "Africa/Casablanca")


def test_search_finds_french_and_arabic(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    pages = [
        art("lebrief", "elections", "Les élections législatives approchent au Maroc. " + words(1)),
        art(
            "hespress_ar",
            "taalim",
            "أعلنت الحكومة المغربية عن إصلاحات جديدة في التعليم",
            title="إصلاح التعليم",
            language="ar",
        ),
        art("le360", "autre", words(2)),
    ]
    load_run(con, "r1", write_run(tmp_path / "runs", "r1", pages))
    build_search_index(con)
    assert [h["outlet"] for h in search_articles(con, "election")] == ["lebrief"]
    assert [h["outlet"] for h in search_articles(con, "التعليم")] == ["hespress_ar"]
    assert search_articles(con, "introuvable") == []


def test_search_macro_in_plain_sql_french_arabic_english(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    pages = [
        art("lebrief", "bourita", "Nasser Bourita a reçu son homologue à Rabat. " + words(1)),
        art("lebrief", "elections", "Les élections législatives approchent. " + words(2)),
        art("hespress_ar", "taalim", "أعلنت الحكومة المغربية عن إصلاحات جديدة في التعليم",
            title="إصلاح التعليم", language="ar"),
        art("mwn", "water", "Morocco builds new desalination plants for drinking water. "
            + words(3), title="Desalination in Morocco", language="en"),
    ]
    load_run(con, "r1", write_run(tmp_path / "runs", "r1", pages))
    build_search_index(con)

    def outlets(query: str) -> list[str]:
        rows = con.execute("select outlet from search_articles(?)", [query]).fetchall()
        return [r[0] for r in rows]

    assert outlets("Bourita") == ["lebrief"]
    assert outlets("election") == ["lebrief"]  # accents folded, stemmed
    assert outlets("التعليم") == ["hespress_ar"]
    assert outlets("desalination") == ["mwn"]
    assert outlets("introuvable") == []
    top = con.execute("select * from search_articles('Rabat Morocco', max_results := 1)")
    assert [d[0] for d in top.description][:3] == ["score", "article_id", "outlet"]
    assert len(top.fetchall()) == 1


def test_cli_sql_and_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "news.duckdb"
    con = connect(path)
    load_run(con, "r1", _first_run(tmp_path))
    con.close()
    assert (
        cli(
            [
                "--db",
                str(path),
                "sql",
                "select outlet, count(*) n from articles group by 1 order by 1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "hespress" in out and "(2 rows)" in out
    assert cli(["--db", str(path), "info"]) == 0
    out = capsys.readouterr().out
    assert f"schema version: {migrations()[-1].version}" in out and "articles" in out
    assert cli(["--db", str(tmp_path / "missing.duckdb"), "info"]) == 1
    assert "does not exist" in capsys.readouterr().err
