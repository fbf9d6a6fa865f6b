"""End to end: the nightly Prefect flow over the bundled snapshot, into a temporary DuckDB file.

Real parts: Scrapy crawls in subprocesses over real HTTP on loopback (the snapshot replay
server), extraction in a process pool, a real DuckDB file, a real Prefect flow run.
"""

from __future__ import annotations

import re

import duckdb
import pytest

from snapshot import load_expected

pytestmark = pytest.mark.integration


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def night(prefect_harness, tmp_path_factory):
    """Run the flow twice on the snapshot; yield the DB path and both runs' states."""
    from flows.nightly import nightly

    tmp = tmp_path_factory.mktemp("night")
    db = tmp / "news.duckdb"
    first = nightly(snapshot=True, db_path=str(db), runs_dir=str(tmp / "runs"),
                    return_state=True)
    with duckdb.connect(str(db), read_only=True) as con:
        count_after_first = con.execute("select count(*) from articles").fetchone()[0]
    second = nightly(snapshot=True, db_path=str(db), runs_dir=str(tmp / "runs"),
                     return_state=True)
    return {"db": db, "first": first, "second": second, "count_after_first": count_after_first}


def test_both_runs_complete(night):
    assert night["first"].is_completed(), night["first"].message
    assert night["second"].is_completed(), night["second"].message


def test_every_snapshot_article_is_loaded_once(night):
    expected = load_expected()
    with duckdb.connect(str(night["db"]), read_only=True) as con:
        urls = [r[0] for r in con.execute("select canonical_url from articles").fetchall()]
    assert len(urls) == len(set(urls))
    assert sorted(urls) == sorted(e["url"] for e in expected)
    assert night["count_after_first"] == len(expected)


def test_second_run_adds_no_rows(night):
    with duckdb.connect(str(night["db"]), read_only=True) as con:
        count = con.execute("select count(*) from articles").fetchone()[0]
        runs = con.execute("select count(*) from crawl_runs").fetchone()[0]
    assert count == night["count_after_first"]
    assert runs == 2


def test_seed_paragraphs_present_and_boilerplate_absent(night):
    expected = {e["url"]: e for e in load_expected()}
    with duckdb.connect(str(night["db"]), read_only=True) as con:
        texts = dict(con.execute("select canonical_url, text from articles").fetchall())
    missing, leaked = [], []
    for url, exp in expected.items():
        text = _norm(texts[url])
        missing += [(url, p[:60]) for p in exp["paragraphs"] if _norm(p) not in text]
        leaked += [(url, b) for b in exp["boilerplate"] if _norm(b) in text]
    assert not missing, missing[:10]
    assert not leaked, leaked[:10]


def test_known_widget_strings_never_stored(night):
    needles = ["Temps de lecture", "La newsletter qui vous briefe", "Poster commentaire",
               "Laisser un commentaire", "Merci d'avoir signalé", "Cliquez ici pour lire"]
    with duckdb.connect(str(night["db"]), read_only=True) as con:
        for needle in needles:
            hits = con.execute("select count(*) from articles where contains(text, ?)",
                               [needle]).fetchone()[0]
            assert hits == 0, needle


def test_republished_stories_are_linked_to_their_original(night):
    copies = [e for e in load_expected() if e.get("original_url")]
    with duckdb.connect(str(night["db"]), read_only=True) as con:
        stored = set(r[0] for r in con.execute("select canonical_url from articles").fetchall())
        linked = con.execute(
            "select count(*) from articles where duplicate_of is not null").fetchone()[0]
    in_snapshot = [c for c in copies if c["original_url"] in stored]
    assert len(in_snapshot) >= 2
    assert linked >= len(in_snapshot)
