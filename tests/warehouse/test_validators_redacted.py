"""A paid feed's ``?token=`` stays out of ``http_validators`` (which analysts read), and the
crawl still finds its validators: a real crawl over loopback HTTP, the warehouse, a second crawl.

The feed (``/feed/?token=…&page=1``) answers 200 with an ETag, then 304. The first crawl writes
its validators under the redacted URL; the warehouse stores them; what the flow writes for the
next crawl (``validators_for``) makes that crawl send ``If-None-Match`` to the real URL.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from khabar.run.layout import RunFolder
from spiders.redact import REDACTED
from tests.support.crawls import crawl
from tests.support.faultserver import FaultServer, Reply
from warehouse import connect
from warehouse.db import migrations
from warehouse.validators import load_validators, validators_for

TOKEN = "tok-VALIDATOR-SECRET"
FAST = ["-s", "AUTOTHROTTLE_START_DELAY=0.01", "-s", "AUTOTHROTTLE_MAX_DELAY=0.2",
        "-s", "DOWNLOAD_TIMEOUT=5", "-s", "RETRY_TIMES=0"]
RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title></channel></rss>')


@pytest.mark.integration
def test_feed_token_is_never_stored_and_the_next_crawl_still_sends_its_etag(
    tmp_path: Path,
) -> None:
    with FaultServer("127.0.0.37") as server:
        path = f"/feed/?token={TOKEN}&page=1"
        server.route(path, Reply(200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'},
                                 RSS), Reply(304, {"ETag": '"v1"'}))
        registry = tmp_path / "outlets.yaml"
        registry.write_text(f"""
outlets:
  - id: paidfeed
    name: Paid Feed
    home: {server.base}/
    hosts: [{server.address}]
    allow_private_addresses: [{server.address}]
    sources:
      - {{kind: feed, url: "{server.base}{path}"}}
    article_patterns: ['^http://[^/]+/a/[a-z0-9-]+/$']
""", encoding="utf-8")
        first = tmp_path / "r1"
        crawl("paidfeed", first, *FAST, registry=registry)
        written = RunFolder(first).crawl_validators_file("paidfeed").read_text()
        assert TOKEN not in written
        redacted = f"{server.base}/feed/?token={REDACTED}&page=1"
        assert list(json.loads(written)) == [redacted]

        db = tmp_path / "news.duckdb"
        with connect(db) as con:
            assert load_validators(con, "r1", first) == 1
            stored = con.execute("select url, etag from http_validators").fetchall()
            assert stored == [(redacted, '"v1"')]
            state = tmp_path / "state" / "paidfeed.json"
            state.parent.mkdir()
            state.write_text(json.dumps(validators_for(con, "paidfeed")))
        second = tmp_path / "r2"
        crawl("paidfeed", second, *FAST, "-a", f"validators_file={state}", registry=registry)
        feed_requests = [seen for seen in server.log if seen.path.startswith("/feed/")]
    assert [seen.path for seen in feed_requests] == [path, path]  # the real URL, both times
    assert "if-none-match" not in feed_requests[0].headers
    assert feed_requests[1].headers.get("if-none-match") == '"v1"'
    assert TOKEN not in RunFolder(second).crawl_validators_file("paidfeed").read_text()


def test_migration_drops_validators_stored_with_secrets(tmp_path: Path) -> None:
    """Warehouses from before redaction hold the real URLs: migration 0016 drops the rows whose
    URL may carry a secret (a query string or user-info); the others stay."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table schema_migrations (version integer primary key, name varchar "
                "not null, applied_at timestamptz not null default current_timestamp)")
    for migration in migrations():
        if migration.version >= 16:
            break
        con.execute(migration.path.read_text())
        con.execute("insert into schema_migrations (version, name) values (?, ?)",
                    [migration.version, migration.name])
    rows = [("x", "https://x.ma/feed/?token=secret", '"a"'),
            ("x", "https://user:pw@x.ma/rss", '"b"'),
            ("x", "https://x.ma/sitemap.xml", '"c"')]
    for outlet, url, etag in rows:
        con.execute("insert into http_validators (outlet, url, etag, fetched_at, run_id) "
                    "values (?, ?, ?, now(), 'r0')", [outlet, url, etag])
    con.close()
    with connect(path) as con:
        assert con.execute("select url from http_validators").fetchall() == [
            ("https://x.ma/sitemap.xml",)]
