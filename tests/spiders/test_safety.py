"""Safety: where a crawl may go, what it says it is, what it writes down, and SQL.

One crawl of an outlet on a :class:`tests.support.faultserver.FaultServer` at 127.0.0.33 whose
registry entry opens only that address (``allow_private_addresses: [127.0.0.33]``, no
``KHABAR_ALLOW_PRIVATE``) and lists other hosts that are, or resolve to, private addresses
(``localhost``, 10.11.12.13, the cloud metadata address 169.254.169.254). Its articles redirect
to another host (a second server), to those private hosts, and refresh (``<meta refresh>``) to
another host; robots.txt lists a sitemap and the feed an article on another host; a feed URL
carries tokens and a redirect carries credentials; robots.txt forbids a path to our User-Agent
only. Then: the warehouse stores SQL metacharacters as data, and no
warehouse module builds SQL text from values.
"""

from __future__ import annotations

import ast
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from khabar.run.layout import RunFolder
from khabar.run.records import iter_fetch_records, iter_raw_pages
from registry import load_outlets
from spiders.guard import in_networks
from spiders.redact import REDACTED, redact_text, redact_url
from tests.support import ROOT
from tests.support.crawls import crawl
from tests.support.faultserver import FaultServer, typed

USER_AGENT = "KhabarSafetyTest/1.0 (+https://example.org/khabar-contact)"
PASSWORD, TOKEN, KEY = "s3cr3t-pass", "tok-SECRET-123", "key-SECRET-456"
FAST = ["-s", "AUTOTHROTTLE_START_DELAY=0.01", "-s", "AUTOTHROTTLE_MAX_DELAY=0.2",
        "-s", "BACKOFF_BASE_DELAY=0.1", "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=0"]


def _page(title: str, extra: str = "") -> str:
    return f"<html><head><title>{title}</title>{extra}</head><body><h1>{title}</h1></body></html>"


@pytest.fixture(scope="module")
def safety(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("safety")
    with (FaultServer("127.0.0.33") as server, FaultServer("127.0.0.34") as elsewhere,
          FaultServer("127.0.0.1") as own_machine):
        port = own_machine.base.rsplit(":", 1)[1]
        server.route("/robots.txt", typed(
            b"User-agent: KhabarSafetyTest\nDisallow: /a/not-for-us/\n\n"
            b"User-agent: *\nDisallow:\n\n"
            + f"Sitemap: {elsewhere.url('/sitemap.xml')}\n".encode(), "text/plain"))
        articles = {
            "/a/plain/": None,
            "/a/not-for-us/": None,
            "/a/to-elsewhere/": elsewhere.url("/a/plain/"),
            "/a/to-localhost/": f"http://localhost:{port}/a/plain/",
            "/a/to-own-machine/": f"http://127.0.0.1:{port}/a/plain/",
            "/a/to-metadata/": "http://169.254.169.254/latest/meta-data/",
            "/a/to-private-net/": "http://10.11.12.13/a/plain/",
            # a hostile redirect carrying credentials: whatever happens, never in the log
            "/a/to-credentials/": server.url("/a/plain/").replace(
                "http://", f"http://leak:{PASSWORD}@"),
        }
        for path, target in articles.items():
            if target is None:
                server.html(path, _page(path))
            else:
                server.redirect(path, target, status=302)
        refresh = f'<meta http-equiv="refresh" content="0; url={elsewhere.url("/a/plain/")}">'
        server.html("/a/refresh-elsewhere/", _page("refresh", refresh))
        links = "".join(f'<a href="{p}">{p}</a>' for p in [*articles, "/a/refresh-elsewhere/"])
        server.html("/list/", f"<html><body>{links}</body></html>")
        feed = f"{server.base}/feed/?token={TOKEN}&page=1&api_key={KEY}"
        # the article pattern below matches any host: the hosts list alone keeps this one out
        rss = ('<?xml version="1.0"?><rss version="2.0"><channel><title>f</title><item>'
               f"<link>{elsewhere.url('/a/plain/')}</link></item></channel></rss>").encode()
        server.route(feed.removeprefix(server.base), typed(rss, "application/rss+xml"))
        for other in (elsewhere, own_machine):
            other.html("/a/plain/", _page("not here"))
        pattern = "^http://[^/]+/a/[a-z0-9-]+/$"
        hosts = f"{server.address}, localhost, 127.0.0.1, 169.254.169.254, 10.11.12.13"
        registry = root / "outlets.yaml"
        registry.write_text(f"""
outlets:
  - id: guarded
    name: Guarded Outlet
    home: {server.base}/
    hosts: [{hosts}]
    allow_private_addresses: [{server.address}]
    politeness: {{concurrency: 8, user_agent: "{USER_AGENT}"}}
    sources:
      - {{kind: robots, url: "{server.base}/robots.txt"}}
      - {{kind: listing, url: "{server.base}/list/"}}
      - {{kind: feed, url: "{feed}"}}
    article_patterns: ['{pattern}']
""", encoding="utf-8")
        run_dir = root / "run"
        # DEBUG: every request is logged ("Crawled (200) <GET …>"), so redaction has work to do
        log = crawl("guarded", run_dir, *FAST, "-s", "LOG_LEVEL=DEBUG", registry=registry,
                    clean=False)
        result = {"log": log, "server": server.log, "elsewhere": elsewhere.log,
                  "own_machine": own_machine.log, "base": server.base, "feed": feed}
    result["records"] = {r.url.removeprefix(result["base"]): r for r in
                         iter_fetch_records(run_dir)}
    result["pages"] = {p.url.removeprefix(result["base"]): p for p in iter_raw_pages(run_dir)}
    result["fetches_file"] = gzip.decompress(
        RunFolder(run_dir).fetches_file("guarded").read_bytes()).decode()
    result["stats"] = json.loads(RunFolder(run_dir).crawl_stats_file("guarded").read_text())
    return result


@pytest.mark.integration
def test_the_outlet_server_is_reached_and_nothing_else(safety: dict) -> None:
    assert safety["stats"]["finish_reason"] == "finished"
    assert set(safety["pages"]) == {"/a/plain/"}
    assert safety["elsewhere"] == [] and safety["own_machine"] == []
    # the sitemap robots.txt names and the article the feed lists, both on the other host, were
    # discovered and dropped before any request (Scrapy's OffsiteMiddleware, from the hosts)
    assert "'offsite/filtered': 2," in safety["log"]


@pytest.mark.integration
@pytest.mark.parametrize(("path", "status", "error"), [
    ("/a/to-elsewhere/", 302, "OffsiteRedirectError"),
    ("/a/refresh-elsewhere/", 200, "OffsiteRedirectError"),  # <meta http-equiv="refresh">
    ("/a/to-credentials/", 302, "OffsiteRedirectError"),
    # hosts of the outlet, but private: refused before any connection, after DNS for a name
    ("/a/to-localhost/", None, "PrivateAddressError"),
    ("/a/to-own-machine/", None, "PrivateAddressError"),
    ("/a/to-metadata/", None, "PrivateAddressError"),
    ("/a/to-private-net/", None, "PrivateAddressError"),
    # robots.txt addressed to our User-Agent by name
    ("/a/not-for-us/", None, "IgnoreRequest"),
])
def test_refused_fetches_are_recorded(safety: dict, path: str, status: int | None,
                                      error: str) -> None:
    record = safety["records"][path]
    assert (record.status, record.error) == (status, error)
    assert path not in safety["pages"]


@pytest.mark.integration
def test_private_address_counts_and_robots(safety: dict) -> None:
    assert safety["stats"]["private_addresses_refused"] == 4
    assert safety["stats"]["offsite_redirects"] == 3
    assert safety["stats"]["robots_forbidden"] == 1
    assert "/a/not-for-us/" not in {seen.path for seen in safety["server"]}


@pytest.mark.integration
def test_every_request_sends_the_outlets_honest_user_agent(safety: dict) -> None:
    seen = safety["server"]
    assert seen[0].path == "/robots.txt"  # asked first, with the same User-Agent
    assert {s.headers.get("user-agent") for s in seen} == {USER_AGENT}


@pytest.mark.integration
def test_secrets_in_a_feed_url_never_reach_the_log_or_the_fetch_records(safety: dict) -> None:
    # the feed was really asked for with its token (redaction hides, it does not break)
    assert any(TOKEN in seen.path for seen in safety["server"] if seen.path.startswith("/feed/"))
    for secret in (PASSWORD, TOKEN, KEY):
        assert secret not in safety["log"], secret
        assert secret not in safety["fetches_file"], secret
    feed_records = [url for url in safety["records"] if "/feed/" in url]
    assert feed_records and all(REDACTED in url for url in feed_records), feed_records
    assert f"/feed/?token={REDACTED}&page=1&api_key={REDACTED}>" in safety["log"]


# -- unit checks (no crawl) -------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("https://lebrief.ma/feed/?paged=2", "https://lebrief.ma/feed/?paged=2"),
    ("https://u:p@x.ma/feed/", f"https://{REDACTED}@x.ma/feed/"),
    ("https://x.ma/rss?token=abc&page=2", f"https://x.ma/rss?token={REDACTED}&page=2"),
    ("https://x.ma/rss?api_key=a&Access-Token=b&sig=c&keyword=maroc",
     f"https://x.ma/rss?api_key={REDACTED}&Access-Token={REDACTED}&sig={REDACTED}&keyword=maroc"),
    ("https://x.ma/a?key=&author=moi", "https://x.ma/a?key=&author=moi"),
    ("not a url", "not a url"),
])
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_finds_urls_in_log_lines_and_settings() -> None:
    line = "Crawled (200) <GET https://bob:pw@x.ma/f?token=t1> (referer: https://x.ma/?key=k2)"
    clean = redact_text(line)
    assert "pw" not in clean and "t1" not in clean and "k2" not in clean
    assert clean.startswith("Crawled (200) <GET https://REDACTED@x.ma/f?token=REDACTED>")
    settings = "{'BOT_NAME': 'khabar', 'HTTPAUTH_PASS': 'hunter2', 'FEED_TOKEN': \"t\"}"
    assert redact_text(settings) == (
        f"{{'BOT_NAME': 'khabar', 'HTTPAUTH_PASS': '{REDACTED}', 'FEED_TOKEN': \"{REDACTED}\"}}")


def test_only_the_listed_private_networks_are_open() -> None:
    import ipaddress

    nets = (ipaddress.ip_network("127.0.0.33/32"), ipaddress.ip_network("fd00::/8"))
    assert in_networks("127.0.0.33", nets) and in_networks("::ffff:127.0.0.33", nets)
    assert in_networks("[fd00::1]", nets)
    assert not in_networks("127.0.0.1", nets) and not in_networks("10.0.0.1", nets)
    assert not in_networks("localhost", nets)


def _spider_settings(entry: dict) -> object:
    from scrapy.settings import Settings

    from registry.model import Outlet
    from spiders.outlets import spider_class

    base = {"id": "p", "name": "P", "home": "https://p.ma/", "hosts": ["p.ma"],
            "sources": [{"kind": "feed", "url": "https://p.ma/feed/"}],
            "article_patterns": ["^https://p\\.ma/"]}
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    settings.set("KHABAR_USER_AGENT", "Operator/1 (+https://example.org)", priority="cmdline")
    spider_class(Outlet.model_validate({**base, **entry})).update_settings(settings)
    return settings


def test_registry_safety_fields_reach_the_spider_settings() -> None:
    default = _spider_settings({})
    assert not default.getbool("KHABAR_ALLOW_PRIVATE")
    assert default.getlist("KHABAR_PRIVATE_NETWORKS") == []
    assert default["USER_AGENT"] == "Operator/1 (+https://example.org)"
    everything = _spider_settings({"allow_private_addresses": True})
    assert everything.getbool("KHABAR_ALLOW_PRIVATE")
    some = _spider_settings({"allow_private_addresses": ["127.0.0.33", "10.0.0.0/8"],
                             "politeness": {"user_agent": USER_AGENT}})
    assert not some.getbool("KHABAR_ALLOW_PRIVATE")
    assert some.getlist("KHABAR_PRIVATE_NETWORKS") == ["127.0.0.33/32", "10.0.0.0/8"]
    assert some["USER_AGENT"] == USER_AGENT  # the outlet's own wins over the operator's


def test_shipped_outlets_reach_no_private_address_and_keep_the_default_agent() -> None:
    for outlet in load_outlets().values():
        assert outlet.private_networks == (), outlet.id
        assert outlet.politeness.user_agent is None, outlet.id


# -- SQL ----------------------------------------------------------------------------------------

HOSTILE = "'); DROP TABLE articles; --"


def test_sql_metacharacters_are_stored_as_data(tmp_path: Path) -> None:
    from tests.support.runs import write_run
    from transforms.record import Article, Verdict
    from warehouse import connect
    from warehouse.load import load_run, sync_outlets

    url = "https://x.ma/a/1?q=" + HOSTILE.replace(" ", "%20")
    text = (f"{HOSTILE} Le texte cite une injection \"; DELETE FROM pages; -- et O'Brien. "
            + "mot " * 80)
    page = Article(verdict=Verdict.ARTICLE, outlet="x", url=url, canonical_url=url,
                   title=f"Titre {HOSTILE}", text=text, word_count=len(text.split()),
                   authors=[f"O'Hara {HOSTILE}"], published_at=datetime(2026, 3, 1, tzinfo=UTC),
                   extractor="generic", extractor_version="1")
    run_dir = write_run(tmp_path / "runs", "r1", [page])
    con = connect(tmp_path / "news.duckdb")
    try:
        sync_outlets(con, [SimpleNamespace(id="x", name=f"L'Opinion {HOSTILE}", home=url,
                                           country="MA", languages=["fr"], aggregator=False)])
        load_run(con, "r1", run_dir)
        articles = con.table("articles")
        rows = [dict(zip(articles.columns, row, strict=True)) for row in articles.fetchall()]
        outlets = con.table("outlets")
        names = [dict(zip(outlets.columns, r, strict=True))["name"] for r in outlets.fetchall()]
        pages = con.table("pages").fetchall()
    finally:
        con.close()
    assert len(rows) == 1 and len(pages) == 1  # nothing dropped, nothing deleted
    (row,) = rows
    assert (row["url"], row["title"], row["text"]) == (url, f"Titre {HOSTILE}", text)
    assert names == [f"L'Opinion {HOSTILE}"]


_SQL_METHODS = {"execute", "executemany", "sql", "query", "from_query"}


def dynamic_sql_calls(source: str) -> list[tuple[int, str]]:
    """``(line, call)`` of every SQL call whose text is built with an f-string, ``%``, ``+`` or
    ``.format()`` (directly, or through a variable assigned so in the same module). Calls of
    ``sql(name)`` (warehouse.queries: a named file) are not SQL text and are skipped."""
    tree = ast.parse(source)

    def dynamic(node: ast.AST) -> bool:
        if isinstance(node, ast.JoinedStr):
            return any(isinstance(v, ast.FormattedValue) for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            return True
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "format")

    built = {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
             and dynamic(node.value) for target in node.targets if isinstance(target, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if name not in _SQL_METHODS or (isinstance(node.func, ast.Name) and name == "sql"):
            continue
        text = node.args[0]
        if dynamic(text) or (isinstance(text, ast.Name) and text.id in built):
            found.append((node.lineno, ast.unparse(node)[:120]))
    return found


def test_the_sql_scanner_catches_built_sql_and_spares_named_files() -> None:
    bad = ("con.execute(f\"select * from articles where url = '{url}'\")\n"
           "q = 'select * from t where a = ' + value\ncon.sql(q)\n"
           "con.execute('delete from t where id = {}'.format(i))\n")
    good = ("con.execute(sql('insert_pages'), {'url': url})\n"
            "con.execute(sql(f'delete_orphan_{name}'))\ncon.execute(args.query)\n")
    assert [line for line, _ in dynamic_sql_calls(bad)] == [1, 3, 4]
    assert dynamic_sql_calls(good) == []


def test_no_warehouse_module_builds_sql_text_from_values() -> None:
    found = {path.name: calls for path in sorted((ROOT / "warehouse").glob("*.py"))
             if (calls := dynamic_sql_calls(path.read_text(encoding="utf-8")))}
    assert found == {}, found
