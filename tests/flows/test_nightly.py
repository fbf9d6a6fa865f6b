"""End to end: the nightly Prefect flow over the bundled snapshot, into a temporary DuckDB file.

Real parts: Scrapy crawls in subprocesses over real HTTP on loopback (the snapshot replay
server), extraction in a process pool, a real DuckDB file, a real Prefect flow run.

The first night crawls the snapshot's outlets in parallel. The second night uses a registry
with one more outlet, ``ghost``, whose host is not in the snapshot: its crawl fails, the others
still load, and the run ends Failed naming it. The third and fourth nights are plain snapshot
nights again: the frozen snapshot has nothing new, and the fourth night is the third in a row
without a new article for every outlet, so it ends Warned (the README's promise), a state that
is not green. The same nights serve the docs' worked queries and the read copy.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import duckdb
import pytest
import yaml

from khabar.run.layout import RunFolder
from snapshot import load_expected
from tests.support import ROOT

pytestmark = pytest.mark.integration

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
    """Run the flow four times on the snapshot; yield the DB path and the runs' states."""
    from flows.nightly import nightly
    from pipeline.params import CrawlScope
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
    with duckdb.connect(str(db), read_only=True) as con:
        after_second = con.execute("select count(*), (select count(*) from crawl_runs) "
                                   "from articles").fetchone()
    third, fourth = (nightly(snapshot=True, db_path=str(db), runs_dir=str(tmp / "runs"),
                             return_state=True) for _ in range(2))
    runs = sorted((tmp / "runs").iterdir())
    return {"db": db, "first": first, "second": second, "third": third, "fourth": fourth,
            "count_after_first": count_after_first, "after_second": after_second,
            "run_dirs": runs}


def _artifacts(state) -> dict:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    return {a.key: a for a in artifacts}


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
            "select run_id, status, counts from crawl_runs order by started_at limit 1 offset 1"
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
    assert night["after_second"] == (night["count_after_first"], 2)
    assert count == night["count_after_first"]  # nor did the third and fourth
    assert runs == 4


def test_second_night_fetches_no_article_and_revalidates_feeds(night):
    """Incremental: the seen/known/validators files written from the warehouse reach the spider;
    its cost grows with new articles, not with the archive."""
    first_dir, second_dir = night["run_dirs"][:2]
    for outlet in ("lebrief", "lepetitjournalmarocain", "maghress_fr"):
        first = json.loads(RunFolder(first_dir).crawl_stats_file(outlet).read_text())
        second = json.loads(RunFolder(second_dir).crawl_stats_file(outlet).read_text())
        assert first["articles_fetched"] > 0
        assert second["articles_fetched"] == 0, outlet
        assert second["requests"] < first["requests"], outlet
    lebrief = json.loads(RunFolder(second_dir).crawl_stats_file("lebrief").read_text())
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
    by_key = _artifacts(night["first"])
    assert {"nightly-outlets", "nightly-summary", "nightly-quality", "nightly-progress",
            "nightly-trends", "nightly-trends-chart"} <= set(by_key)
    assert by_key["nightly-progress"].data == 100.0
    table = by_key["nightly-outlets"].data
    table = json.loads(table) if isinstance(table, str) else table
    assert {r["outlet"] for r in table} == {"lebrief", "lepetitjournalmarocain", "maghress_fr"}
    assert "http" not in by_key["nightly-summary"].data  # no external links


# -- what the nights promise -------------------------------------------------------------------

def test_first_night_says_there_is_no_history_yet(night):
    """Nothing was compared on the first night: the verdict says so, not "usual range"."""
    by_key = _artifacts(night["first"])
    quality, summary = by_key["nightly-quality"].data, by_key["nightly-summary"].data
    assert "no history yet" in quality and "usual range" not in quality, quality
    assert "not compared yet" in summary and "usual range" not in summary, summary
    table = by_key["nightly-outlets"].data
    table = json.loads(table) if isinstance(table, str) else table
    assert {r["quality"] for r in table} == {"no history yet (0 of 3 earlier nights)"}


def test_fourth_night_with_nothing_new_is_warned_and_not_green(night):
    """The README: from the fourth night on, the frozen snapshot's nights end Warned. Warned is
    not green: a FAILED-type state named Warned, and the run record says warned."""
    assert night["third"].is_completed(), night["third"].message
    fourth = night["fourth"]
    assert fourth.name == "Warned" and fourth.type.value == "FAILED", fourth
    for outlet in ("lebrief", "lepetitjournalmarocain", "maghress_fr"):
        assert f"{outlet}: no new articles for 3 nights in a row" in fourth.message
    # feeds and sitemaps answered 304 on nights 2 to 4: not dead sources
    assert "dead_source" not in fourth.message and "found nothing" not in fourth.message
    with duckdb.connect(str(night["db"]), read_only=True) as con:
        statuses = [r[0] for r in con.execute(
            "select status from crawl_runs order by started_at").fetchall()]
    assert statuses == ["completed", "failed", "completed", "warned"]
    assert "| lebrief | zero_new |" in _artifacts(fourth)["nightly-quality"].data


def test_read_copy_shows_the_latest_night_finished_with_its_counts(night):
    """The read copy is published after the run's end is recorded, not before."""
    from warehouse.publish import read_copy_path

    with duckdb.connect(str(read_copy_path(night["db"])), read_only=True) as con:
        status, finished, counts = con.execute(
            "select status, finished_at, counts from crawl_runs order by started_at desc "
            "limit 1").fetchone()
    assert status == "warned" and finished is not None
    assert {r["outlet"] for r in json.loads(counts)["outlets"]} == {
        "lebrief", "lepetitjournalmarocain", "maghress_fr"}


def test_trends_show_the_drop(night):
    """The trends artifacts of the fourth night: per outlet, four nights, the fall from the
    first night's articles to nothing, the breached night marked red."""
    import base64
    import xml.etree.ElementTree as ET

    by_key = _artifacts(night["fourth"])
    markdown = by_key["nightly-trends"].data
    assert "| lebrief | `█▁▁▁` 0 (0) |" in markdown, markdown
    url = by_key["nightly-trends-chart"].data
    assert url.startswith("data:image/svg+xml;base64,")
    svg = ET.fromstring(base64.b64decode(url.split(",", 1)[1]))
    ns = {"s": "http://www.w3.org/2000/svg"}
    lines = svg.findall("s:polyline", ns)
    # three outlets, three measures as lines; median words has one point per outlet (nights 2
    # to 4 extracted no article): a dot each
    assert len(lines) == 3 * 3
    new_articles = [tuple(map(float, p.split(","))) for p in lines[0].get("points").split()]
    assert len(new_articles) == 4 and new_articles[0][1] < new_articles[1][1]  # a fall
    assert new_articles[1][1] == new_articles[2][1] == new_articles[3][1]
    assert any(c.get("fill") == "#d1242f" for c in svg.findall("s:circle", ns))
    assert RunFolder(night["run_dirs"][-1]).trends_file.read_text().startswith("<svg")


def test_published_date_is_the_local_day_of_publication(night):
    """maghress dates its copies at local midnight: published_at::DATE is the UTC day before,
    published_date the day the page shows."""
    from zoneinfo import ZoneInfo

    expected = {e["url"]: e["published"] for e in load_expected()}
    with duckdb.connect(str(night["db"]), read_only=True) as con:
        rows = con.execute("select canonical_url, published_at, published_date, "
                           "published_at::DATE from articles").fetchall()
    casablanca = ZoneInfo("Africa/Casablanca")
    utc_day_wrong = 0
    for url, published_at, published_date, utc_day in rows:
        shown = expected[url]
        day = (date.fromisoformat(shown) if len(shown) == 10
               else datetime.fromisoformat(shown).astimezone(casablanca).date())
        assert published_date == day, (url, published_at, published_date, shown)
        utc_day_wrong += utc_day != day
    assert utc_day_wrong >= 12  # every maghress copy, at least


def test_docs_queries_give_meaningful_rows_on_these_nights(night):
    """Every worked query of docs/queries.md gives rows with no all-NULL column on real
    snapshot nights (read copy), and the page shows each query's current SQL."""
    from warehouse.docs_queries import EXAMPLES_DIR, problems, run_examples, stale_queries
    from warehouse.publish import connect_read_copy

    con = connect_read_copy(night["db"])
    try:
        examples = run_examples(con)
    finally:
        con.close()
    numbered = sorted(p.name for p in EXAMPLES_DIR.glob("q[0-9][0-9]_*.sql"))
    assert sorted(e.path.name for e in examples if not e.live_only) == numbered
    assert len(numbered) >= 14
    assert problems(examples) == []
    assert stale_queries() == []
