"""End to end: the nightly Prefect flow over the bundled snapshot, into a temporary DuckDB file.

Real parts: Scrapy crawls in subprocesses over real HTTP on loopback (the snapshot replay
server), extraction in a process pool, a real DuckDB file, a real Prefect flow run.

The first night crawls the snapshot's outlets in parallel. The second night uses a registry
with one more outlet, ``ghost``, whose host is not in the snapshot: its crawl fails, the others
still load, and the run ends Failed naming it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
import yaml

from snapshot import load_expected

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
GHOST = {
    "id": "ghost", "name": "Ghost", "home": "https://ghost.example.ma/",
    "hosts": ["ghost.example.ma"], "languages": ["fr"],
    "sources": [{"kind": "feed", "url": "https://ghost.example.ma/feed/"}],
    "article_patterns": [r"^https://ghost\.example\.ma/\d+/$"],
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def night(prefect_harness, tmp_path_factory):
    """Run the flow twice on the snapshot; yield the DB path and both runs' states."""
    from flows.nightly import nightly
    from flows.params import CrawlScope
    from snapshot import snapshot_outlets

    tmp = tmp_path_factory.mktemp("night")
    db = tmp / "news.duckdb"
    first = nightly(snapshot=True, db_path=str(db), runs_dir=str(tmp / "runs"),
                    max_parallel_crawls=3, return_state=True)
    with duckdb.connect(str(db), read_only=True) as con:
        count_after_first = con.execute("select count(*) from articles").fetchone()[0]

    registry = yaml.safe_load((ROOT / "registry" / "outlets.yaml").read_text(encoding="utf-8"))
    registry["outlets"].append(GHOST)
    (tmp / "outlets.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KHABAR_REGISTRY", str(tmp / "outlets.yaml"))
        second = nightly(scope=CrawlScope(outlets=[*snapshot_outlets(), "ghost"]),
                         snapshot=True, db_path=str(db), runs_dir=str(tmp / "runs"),
                         return_state=True)
    runs = sorted((tmp / "runs").iterdir())
    return {"db": db, "first": first, "second": second, "count_after_first": count_after_first,
            "run_dirs": runs}


def test_first_run_completes(night):
    assert night["first"].is_completed(), night["first"].message
    assert night["first"].name == "Completed"


def test_crawls_run_in_parallel(night):
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    flow_run_id = night["first"].state_details.flow_run_id
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    crawls = [r for r in runs if r.name.startswith("crawl-")]
    assert len(crawls) == 3
    assert max(r.start_time for r in crawls) < min(r.end_time for r in crawls)


def test_failing_outlet_fails_the_run_but_not_the_others(night):
    second = night["second"]
    assert second.is_failed()
    assert "ghost" in second.message and "NotInSnapshotError" in second.message
    with duckdb.connect(str(night["db"]), read_only=True) as con:
        run_id, status, counts = con.execute(
            "select run_id, status, counts from crawl_runs order by started_at desc limit 1"
        ).fetchone()
        fetched = dict(con.execute(
            "select outlet, count(*) from fetches where run_id = ? group by outlet", [run_id]
        ).fetchall())
    assert status == "failed"
    rows = {r["outlet"]: r for r in json.loads(counts)["outlets"]}
    assert rows["ghost"]["status"].startswith("failed")
    others = [o for o in rows if o != "ghost"]
    assert len(others) == 3 and all(rows[o]["status"] == "ok" for o in others)
    assert all(fetched.get(o, 0) > 0 for o in others)  # their crawls were loaded


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


def test_second_night_fetches_no_article_and_revalidates_feeds(night):
    """Incremental: the seen/known/validators files written from the warehouse reach the spider;
    its cost grows with new articles, not with the archive."""
    first_dir, second_dir = night["run_dirs"]
    for outlet in ("lebrief", "lepetitjournalmarocain", "maghress_fr"):
        first = json.loads((first_dir / "crawl" / f"{outlet}.json").read_text())
        second = json.loads((second_dir / "crawl" / f"{outlet}.json").read_text())
        assert first["articles_fetched"] > 0
        assert second["articles_fetched"] == 0, outlet
        assert second["requests"] < first["requests"], outlet
    lebrief = json.loads((second_dir / "crawl" / "lebrief.json").read_text())
    assert lebrief["responses_by_status"].get("304", 0) >= 1, lebrief["responses_by_status"]


def test_run_record_keeps_the_outlet_report(night):
    with duckdb.connect(str(night["db"]), read_only=True) as con:
        status, counts = con.execute(
            "select status, counts from crawl_runs order by started_at limit 1").fetchone()
    assert status == "completed"
    rows = json.loads(counts)["outlets"]
    assert sum(r["new"] for r in rows) == night["count_after_first"]
    assert all(r["median_words"] and r["sources"] for r in rows)


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


def test_artifacts_published(night):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    flow_run_id = night["first"].state_details.flow_run_id
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    by_key = {a.key: a for a in artifacts}
    assert {"nightly-outlets", "nightly-summary", "nightly-quality", "nightly-progress"} <= set(
        by_key)
    assert by_key["nightly-progress"].data == 100.0
    table = by_key["nightly-outlets"].data
    table = json.loads(table) if isinstance(table, str) else table
    assert {r["outlet"] for r in table} == {"lebrief", "lepetitjournalmarocain", "maghress_fr"}
    assert "http" not in by_key["nightly-summary"].data  # no external links
