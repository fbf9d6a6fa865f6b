"""What a crawl asks for, over real HTTP on loopback (``tests.support.faultserver.FaultServer``):

* page 1 of a paginated listing is the listing's own address, never ``…/page/1/`` or
  ``?page=1`` (which this server, like many sites, answers with 404);
* a page that answered 404 or 410 is not asked again on the next nights (the warehouse's fetch
  records put it in the crawl's seen set, ``warehouse.retries.gone_urls``) until
  ``GONE_RECHECK_DAYS`` have passed, then once more.

Nights are the stages' plain functions: crawl state from a DuckDB file, ``scrapy crawl`` in a
subprocess, extraction, load.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import warehouse
from khabar.run.layout import RunFolder
from khabar.run.records import iter_fetch_records
from pipeline.crawl import crawl_outlet
from pipeline.extraction import extract_run
from pipeline.recovery import read_plans, write_crawl_state
from registry import load_outlets
from tests.support.faultserver import HTML, FaultServer, Reply, typed
from tests.support.pages import article_html
from warehouse.load import load_run, record_run_start

pytestmark = pytest.mark.integration

SETTINGS = {"AUTOTHROTTLE_START_DELAY": "0.01", "AUTOTHROTTLE_MAX_DELAY": "0.2",
            "DOWNLOAD_TIMEOUT": "5", "RETRY_TIMES": "0"}


def _listing(*paths: str) -> str:
    return "<html><body><ul>" + "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths) + (
        "</ul></body></html>")


def _registry(root: Path, server: FaultServer, sources: str) -> Path:
    pattern = server.base.replace(".", "\\.") + "/a/[a-z0-9-]+/$"
    path = root / "outlets.yaml"
    path.write_text(f"""
outlets:
  - id: paged
    name: Paged Outlet
    home: {server.base}/
    hosts: [{server.address}]
    allow_private_addresses: [{server.address}]
    sources:
{sources}
    article_patterns: ['^{pattern}']
""", encoding="utf-8")
    return path


def _night(root: Path, db: Path, registry: Path, night: int, monkeypatch,
           **state_options) -> Path:
    """One night of the outlet ``paged``: state from the warehouse, crawl, extract, load."""
    monkeypatch.setenv("KHABAR_REGISTRY", str(registry))
    outlet = load_outlets(registry)["paged"]
    run_id = f"202611{night:02d}T020000-00001"
    run_dir = root / "runs" / run_id
    with warehouse.connect(db) as con:
        record_run_start(con, run_id, "test", {})
        state, _ = write_crawl_state(con, run_dir, outlet, **state_options)
    result = crawl_outlet("paged", run_dir, run_id, settings=SETTINGS, **state)
    assert result.returncode == 0, RunFolder(run_dir).log_file("paged").read_text()[-3000:]
    extract_run(run_dir, {"paged": outlet.extraction_hints}, workers=0)
    with warehouse.connect(db) as con:
        load_run(con, run_id, run_dir)
    return run_dir


def test_page_one_of_a_listing_is_its_own_address(tmp_path, monkeypatch):
    with FaultServer("127.0.0.33") as server:
        for path in ("/cat/page/1/", "/list?page=1"):  # as many sites answer them
            server.route(path, Reply(404, {"Content-Type": HTML}, b"not found"))
        server.html("/cat/", _listing("/a/one/", "/a/two/"))
        server.html("/cat/page/2/", _listing("/a/three/"))
        server.html("/list", _listing("/a/four/"))
        server.html("/list?page=2", _listing("/a/five/"))
        for n, name in enumerate(("one", "two", "three", "four", "five")):
            server.route(f"/a/{name}/", typed(article_html(f"Article {name}", n).encode(), HTML))
        registry = _registry(tmp_path, server, f"""\
      - {{kind: listing, url: "{server.base}/cat/page/{{page}}/", max_pages: 2}}
      - {{kind: listing, url: "{server.base}/list?page={{page}}", max_pages: 2}}""")
        run_dir = _night(tmp_path, tmp_path / "w.duckdb", registry, 1, monkeypatch)
        asked = {path: server.count(path) for path in (
            "/cat/", "/cat/page/1/", "/cat/page/2/", "/list", "/list?page=1", "/list?page=2")}
    assert asked == {"/cat/": 1, "/cat/page/1/": 0, "/cat/page/2/": 1, "/list": 1,
                     "/list?page=1": 0, "/list?page=2": 1}
    fetched = {r.url.rsplit("/a/", 1)[-1] for r in iter_fetch_records(run_dir)
               if "/a/" in r.url and r.status == 200}
    assert fetched == {"one/", "two/", "three/", "four/", "five/"}
    stats = json.loads(RunFolder(run_dir).crawl_stats_file("paged").read_text())
    assert stats["errors_by_class"] == {}, stats["errors_by_class"]


def test_a_page_that_answered_404_or_410_is_not_asked_again(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    with FaultServer("127.0.0.34") as server:
        server.html("/news/", _listing("/a/kept/", "/a/deleted/", "/a/gone/", "/a/later/"))
        server.route("/a/kept/", typed(article_html("Un article", 1).encode(), HTML))
        server.route("/a/deleted/", Reply(404, {"Content-Type": HTML}, b"<h1>Not found</h1>"))
        server.route("/a/gone/", Reply(410, {"Content-Type": HTML}, b"<h1>Gone</h1>"))
        # answers 503 on the first night: a failure to retry, not a page that is gone
        server.route("/a/later/", Reply(503, times=1),
                     typed(article_html("Plus tard", 2).encode(), HTML))
        registry = _registry(tmp_path, server, f"""\
      - {{kind: listing, url: "{server.base}/news/"}}""")
        paths = ("/a/kept/", "/a/deleted/", "/a/gone/", "/a/later/")

        _night(tmp_path, db, registry, 1, monkeypatch)
        first = {p: server.count(p) for p in paths}
        night2 = _night(tmp_path, db, registry, 2, monkeypatch)
        second = {p: server.count(p) - first[p] for p in paths}
        # after GONE_RECHECK_DAYS (0 here: every earlier answer is old enough) they are asked
        # once more
        _night(tmp_path, db, registry, 3, monkeypatch, gone_recheck_days=0)
        third = {p: server.count(p) - first[p] - second[p] for p in paths}

    assert first == {"/a/kept/": 1, "/a/deleted/": 1, "/a/gone/": 1, "/a/later/": 1}
    # The listing still links them: only the failed fetch is asked again.
    assert second == {"/a/kept/": 0, "/a/deleted/": 0, "/a/gone/": 0, "/a/later/": 1}
    assert third == {"/a/kept/": 0, "/a/deleted/": 1, "/a/gone/": 1, "/a/later/": 0}
    assert read_plans(night2)["paged"]["gone"] == 2
    stats = json.loads(RunFolder(night2).crawl_stats_file("paged").read_text())
    assert stats["skipped_seen"] == 3  # kept (stored) and the two gone pages
