"""Faults over real HTTP, in one crawl: what each one leaves in the fetch records, which limits
hold, and what the extractor says about the faulty pages that were stored.

An outlet on a :class:`tests.support.faultserver.FaultServer` at 127.0.0.31 lists, on one listing
page, two healthy articles and one article URL per fault: connection resets (before the response and
mid-body), truncated bodies, a body that drips slower than ``DOWNLOAD_TIMEOUT``, 50 MB pages
(with and without Content-Length), a gzip bomb, a page over ``DOWNLOAD_WARNSIZE``, redirect
loops and overlong redirect chains, PDFs and images, an empty 200, missing and wrong
Content-Types, lying charsets, malformed and absurd HTML, and four bot-challenge pages served
with status 200. The registry opens loopback for this outlet only through its own
``allow_private_addresses: [<server address>]``. The shipped size limits are kept (16 MB, 4 MB);
only the delays and the timeout are shortened.

A fault below HTTP (or past a limit) must show in the fetch records with a class that names it;
a fault inside a 200 (a PDF, a challenge, broken HTML) is a stored page, and the extractor's
verdict must name it; a crawl with every fault at once finishes, and stores the healthy pages.
"""

from __future__ import annotations

import json
import random
import time

import pytest

from khabar.run.layout import RunFolder
from khabar.run.records import iter_fetch_records, iter_raw_pages
from spiders import settings as shipped
from tests.support.crawls import crawl
from tests.support.faultserver import (
    CHALLENGES,
    HTML,
    PDF,
    PNG,
    FaultServer,
    Reply,
    drip,
    gzip_bomb,
    huge,
    reset,
    truncated,
    typed,
)
from tests.support.pages import SENTENCES, article_html, paragraphs
from transforms.decode import decode_html
from transforms.extract import extract_article
from transforms.record import Article, Verdict
from transforms.verdict import BLOCKED_MAX_WORDS, TOO_SHORT_WORDS, bot_challenge_reason

integration = pytest.mark.integration

TIMEOUT = 1.0
FAST = ["-s", "AUTOTHROTTLE_START_DELAY=0.01", "-s", "AUTOTHROTTLE_MAX_DELAY=0.2",
        "-s", "BACKOFF_BASE_DELAY=0.1", "-s", "BACKOFF_MAX_DELAY=5",
        "-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}"]
MAXSIZE, WARNSIZE = shipped.DOWNLOAD_MAXSIZE, shipped.DOWNLOAD_WARNSIZE
FIFTY_MB = 50 * 1024 * 1024

ARABIC_TITLE = "الحكومة تقدم برنامج إصلاح المنظومة الصحية"
ARABIC = ("قدمت الحكومة يوم الثلاثاء بالرباط برنامجها لإصلاح المنظومة الصحية، "
          "وقالت إن المستشفيات الجهوية ستتلقى موارد إضافية ابتداء من الصيف المقبل. ") * 6
MALFORMED = ("<html><head><title>Réforme de la santé : le texte arrive au Parlement</title><body "
             "class=single><div id=main><h1>Réforme de la santé<h1><p>" + SENTENCES[0] + " "
             + SENTENCES[1] + "<p>" + SENTENCES[2] + " &nbsp &#xZZ; " + SENTENCES[3]
             + "</span></div></div><p align=left onclick=\"x(\">" + SENTENCES[4] + "\x00 "
             + SENTENCES[5] + " " + SENTENCES[0] + "<<< " + SENTENCES[2] + "<div><p>"
             + SENTENCES[1] + " " + SENTENCES[3] + " " + SENTENCES[4] + "</b></i></table>")


def _faults() -> dict[str, Reply | tuple[Reply, ...]]:
    """Article path → what the server answers there (a tuple: one reply after the other)."""
    return {
        # transport
        "/a/reset/": reset(),
        "/a/reset-mid-body/": truncated(article_html("Reset", 1).encode(), 300, how="reset"),
        "/a/reset-once/": (reset(), typed(article_html("Après une coupure", 2).encode(), HTML)),
        "/a/truncated/": truncated(article_html("Truncated", 3).encode(), 300),
        "/a/drip/": drip(4096, every=0.3),
        # limits
        "/a/fifty-mb/": huge(FIFTY_MB),
        "/a/fifty-mb-no-length/": huge(FIFTY_MB, declare_length=False),
        "/a/gzip-bomb/": gzip_bomb(FIFTY_MB),
        "/a/over-warnsize/": huge(WARNSIZE + 100_000),
        # content
        "/a/pdf/": typed(PDF, "application/pdf"),
        "/a/pdf-as-html/": typed(PDF, HTML),
        "/a/image/": typed(PNG, "image/png"),
        "/a/empty/": typed(b"", HTML),
        "/a/no-content-type/": typed(article_html("Sans type", 4).encode(), None),
        "/a/octet-stream/": typed(article_html("Mauvais type", 5).encode(),
                                  "application/octet-stream"),
        "/a/latin1-declared-utf8-sent/": typed(
            article_html("Élections : le débat s'éternise à l'Assemblée", 6).encode(),
            "text/html; charset=iso-8859-1"),
        "/a/utf8-declared-cp1256-sent/": typed(
            (f'<html lang="ar"><head><meta charset="windows-1256"><title>{ARABIC_TITLE}'
             f"</title></head><body><article><h1>{ARABIC_TITLE}</h1><p>{ARABIC}</p>"
             "</article></body></html>").encode("cp1256"), "text/html; charset=utf-8"),
        "/a/malformed/": typed(MALFORMED.encode(), HTML),
        # an unclosed <title> swallows the page (browsers agree): nothing to extract, no crash
        "/a/malformed-title/": typed(MALFORMED.replace("</title>", "").encode(), HTML),
        "/a/deeply-nested/": typed(("<div>" * 5000 + "<p>" + " ".join(SENTENCES) + "</p>")
                                   .encode(), HTML),
        "/a/binary-garbage/": typed(random.Random(7).randbytes(20_000), HTML),
        # bot challenges with status 200
        **{f"/a/challenge-{name.replace('_', '-')}/": Reply(200, headers, body)
           for name, (headers, body) in CHALLENGES.items()},
        # healthy
        "/a/healthy-one/": typed(article_html("Un article en bonne santé", 8).encode(), HTML),
        "/a/healthy-two/": typed(article_html("Un autre article", 9).encode(), HTML),
    }


CHAIN = [f"/a/chain-{n}/" for n in range(8)]  # longer than REDIRECT_MAX_TIMES


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("faults")
    with FaultServer("127.0.0.31") as server:
        faults = _faults()
        for path, replies in faults.items():
            server.route(path, *(replies if isinstance(replies, tuple) else (replies,)))
        server.redirect("/a/loop-one/", "/a/loop-two/")
        server.redirect("/a/loop-two/", server.url("/a/loop-one/"), status=302)
        for here, there in zip(CHAIN, CHAIN[1:], strict=False):
            server.redirect(here, there, status=302)
        server.route("/robots.txt", typed(b"User-agent: *\nDisallow: /private/\n", "text/plain"))
        links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in
                        [*faults, "/a/loop-one/", CHAIN[0]])
        server.html("/list/", f"<html><body><ul>{links}</ul></body></html>")
        pattern = server.base.replace(".", "\\.") + "/a/[a-z0-9-]+/$"
        registry = root / "outlets.yaml"
        registry.write_text(f"""
outlets:
  - id: faulty
    name: Faulty Outlet
    home: {server.base}/
    hosts: [{server.address}]
    allow_private_addresses: [{server.address}]
    politeness: {{concurrency: 16}}
    sources:
      - {{kind: listing, url: "{server.base}/list/"}}
    article_patterns: ['^{pattern}']
""", encoding="utf-8")
        run_dir = root / "run"
        started = time.monotonic()
        log = crawl("faulty", run_dir, *FAST, registry=registry, clean=False)
        seconds = time.monotonic() - started
        counts = {path: server.count(path) for path in [*faults, "/a/loop-one/", "/a/loop-two/",
                                                         *CHAIN]}
        sent = {path: server.bytes_sent(path) for path in faults}
        base = server.base
    records = {r.url.removeprefix(base): r for r in iter_fetch_records(run_dir)}
    pages = {p.url.removeprefix(base): p for p in iter_raw_pages(run_dir)}
    stats = json.loads(RunFolder(run_dir).crawl_stats_file("faulty").read_text())
    return {"records": records, "pages": pages, "counts": counts, "sent": sent, "log": log,
            "stats": stats, "seconds": seconds, "base": base}


def verdict(run: dict, path: str) -> Article:
    """What the extractor makes of the page stored for ``path``."""
    page = run["pages"][path]
    return extract_article(page.body, page.final_url, outlet="faulty", headers=page.headers,
                           status=page.status)


@integration
def test_the_crawl_finishes_and_stores_the_healthy_articles(run: dict) -> None:
    assert run["stats"]["finish_reason"] == "finished"
    assert "Traceback" not in run["log"], run["log"][-3000:]
    for path in ("/a/healthy-one/", "/a/healthy-two/", "/a/reset-once/"):
        assert run["records"][path].status == 200 and run["records"][path].error is None
        article = verdict(run, path)
        assert article.verdict is Verdict.ARTICLE, (path, article.reason)
    assert paragraphs(8)[0] in verdict(run, "/a/healthy-one/").text
    assert run["counts"]["/a/reset-once/"] == 2  # the reset was retried


@integration
@pytest.mark.parametrize(("path", "error", "status", "requests"), [
    ("/a/reset/", "DownloadFailedError", None, 3),  # retried RETRY_TIMES, then given up
    ("/a/reset-mid-body/", "ResponseDataLossError", None, 3),
    ("/a/truncated/", "ResponseDataLossError", None, 3),
    ("/a/drip/", "DownloadTimeoutError", None, 3),
    ("/a/fifty-mb/", "ResponseTooLargeError", None, 1),  # never retried: it will not shrink
    ("/a/fifty-mb-no-length/", "ResponseTooLargeError", None, 1),
    ("/a/gzip-bomb/", "DecompressionLimitError", 200, 1),
    # an empty 200 is retried once in the crawl, then recorded as failed (retried next night)
    ("/a/empty/", "EmptyResponse", 200, 2),
    ("/a/loop-one/", "RedirectLoopError", 302, 1),  # status: the looping (second) 3xx
    (CHAIN[0], "RedirectLoopError", 302, 1),
])
def test_each_fault_is_recorded_with_its_class(run: dict, path: str, error: str,
                                               status: int | None, requests: int) -> None:
    record = run["records"][path]
    assert (record.status, record.error) == (status, error)
    assert path not in run["pages"]
    # Twisted resends a GET once by itself when a reused keep-alive connection dies before the
    # response: each of Scrapy's attempts may reach the server twice.
    assert requests <= run["counts"][path] <= 2 * requests, run["counts"][path]


@integration
def test_size_limits_hold_on_the_wire_and_after_decompression(run: dict) -> None:
    records, log = run["records"], run["log"]
    bomb = records["/a/gzip-bomb/"]
    assert bomb.bytes < 100_000  # what came over the wire: the inflated 50 MB never existed
    assert f"exceeded DOWNLOAD_MAXSIZE ({MAXSIZE} B) during decompression" in log
    assert f"larger than download max size ({MAXSIZE})" in log
    # Declared 50 MB: refused on the headers. Undeclared: read up to the limit, then cut.
    # (The server's count includes what loopback socket buffers swallowed: a few MB at most.)
    slack = 8 * 1024 * 1024
    assert run["sent"]["/a/fifty-mb/"] < slack
    assert MAXSIZE < run["sent"]["/a/fifty-mb-no-length/"] < MAXSIZE + slack
    assert run["stats"]["errors_by_class"]["ResponseTooLargeError"] == 2


@integration
def test_a_page_over_the_warning_size_is_kept_with_a_warning(run: dict) -> None:
    page = run["pages"]["/a/over-warnsize/"]
    assert WARNSIZE < len(page.body) < MAXSIZE
    assert f"larger than download warn size ({WARNSIZE})" in run["log"]


@integration
def test_the_timeout_covers_a_dripping_body(run: dict) -> None:
    # The status line and headers came at once (the record's duration is the time to headers);
    # each attempt gave up on the body after DOWNLOAD_TIMEOUT: the 4 KB never all went out.
    record = run["records"]["/a/drip/"]
    assert record.duration_ms is not None and record.duration_ms < TIMEOUT * 1000
    sent_per_attempt = run["sent"]["/a/drip/"] / run["counts"]["/a/drip/"]
    assert sent_per_attempt < 2 * 64 * TIMEOUT / 0.3, run["sent"]["/a/drip/"]


@integration
def test_redirect_loops_stop_early(run: dict) -> None:
    counts = run["counts"]
    assert counts["/a/loop-one/"] == counts["/a/loop-two/"] == 1
    followed = [counts[path] for path in CHAIN]
    # REDIRECT_MAX_TIMES (5) hops followed, then refused: the rest of the chain never asked
    assert followed == [1] * (shipped.REDIRECT_MAX_TIMES + 1) + [0] * (
        len(CHAIN) - shipped.REDIRECT_MAX_TIMES - 1)
    assert run["stats"]["errors_by_class"]["RedirectLoopError"] == 2


@integration
@pytest.mark.parametrize(("path", "expected"), [
    ("/a/pdf/", Verdict.NOT_HTML),
    ("/a/pdf-as-html/", Verdict.NOT_HTML),
    ("/a/image/", Verdict.NOT_HTML),
    ("/a/no-content-type/", Verdict.ARTICLE),
    ("/a/octet-stream/", Verdict.ARTICLE),
    ("/a/malformed/", Verdict.ARTICLE),
])
def test_stored_faulty_pages_get_the_right_verdict(run: dict, path: str,
                                                   expected: Verdict) -> None:
    record = run["records"][path]
    assert (record.status, record.error) == (200, None)  # HTTP-wise a success: stored
    article = verdict(run, path)
    assert article.verdict is expected, (path, article.reason)
    if expected is Verdict.ARTICLE:
        assert article.word_count >= 60


@integration
def test_malformed_pages_are_extracted_or_judged_never_raise(run: dict) -> None:
    text = " ".join(verdict(run, "/a/malformed/").text.split())
    for sentence in (SENTENCES[0], SENTENCES[2], SENTENCES[5]):
        assert sentence in text
    for path in ("/a/deeply-nested/", "/a/binary-garbage/", "/a/malformed-title/"):
        article = verdict(run, path)  # must not raise
        assert article.verdict is not Verdict.ARTICLE or article.word_count >= 60, path
    for path in ("/a/binary-garbage/", "/a/malformed-title/"):
        assert verdict(run, path).verdict is not Verdict.ARTICLE, path


def test_an_empty_body_is_an_error_not_a_non_html_page() -> None:
    """A non-article verdict would put the URL in the seen set for good; an error is retried."""
    for body in (b"", b"  \r\n "):
        article = extract_article(body, "https://x.ma/a/b-c-d/", outlet="x",
                                  headers={"content-type": HTML})
        assert article.verdict is Verdict.ERROR, article.reason


@integration
def test_lying_charsets_are_decoded_right(run: dict) -> None:
    french = verdict(run, "/a/latin1-declared-utf8-sent/")
    assert french.title == "Élections : le débat s'éternise à l'Assemblée"
    assert "Ã" not in french.text and "présenté" in french.text
    arabic = verdict(run, "/a/utf8-declared-cp1256-sent/")
    assert arabic.verdict is Verdict.ARTICLE and arabic.title == ARABIC_TITLE
    assert "المنظومة الصحية" in arabic.text and "\ufffd" not in arabic.text


CHALLENGE_PATHS = [f"/a/challenge-{name.replace('_', '-')}/" for name in CHALLENGES]


@integration
@pytest.mark.parametrize("path", CHALLENGE_PATHS)
def test_bot_challenges_are_recognised_and_never_articles(run: dict, path: str) -> None:
    page = run["pages"][path]
    assert run["records"][path].status == 200
    markup, _ = decode_html(page.body, page.headers)
    article = verdict(run, path)
    assert article.verdict is not Verdict.ARTICLE
    assert bot_challenge_reason(markup, article.word_count, page.headers)
    if path != "/a/challenge-cloudflare/":  # the others carry no tell-tale header
        assert bot_challenge_reason(markup, article.word_count, {"content-type": HTML})


@integration
@pytest.mark.parametrize("path", CHALLENGE_PATHS)
def test_bot_challenges_get_the_blocked_verdict(run: dict, path: str) -> None:
    assert verdict(run, path).verdict is Verdict.BLOCKED


# -- the challenge detector on pages that are not challenges (no crawl) ----------------------

def _words(html: str) -> int:
    return extract_article(html.encode(), "https://x.ma/a/b-c-d/", outlet="x").word_count


def test_articles_about_bot_challenges_are_not_challenges() -> None:
    quoted = ("<p>Les lecteurs voient parfois « Just a moment… Checking your browser before "
              "accessing » et un captcha leur demandant s'ils sont un robot (are you a robot?); "
              "Cloudflare sert ce script depuis /cdn-cgi/challenge-platform/ aux visiteurs.</p>")
    long = article_html("Cloudflare et les captchas", 11).replace("</article>",
                                                                  quoted + "</article>")
    assert _words(long) > BLOCKED_MAX_WORDS and bot_challenge_reason(long, _words(long)) is None
    assert extract_article(long.encode(), "https://x.ma/a/b-c-d/", outlet="x").verdict \
        is Verdict.ARTICLE
    # a short brief quoting the wording, under its own title and without a captcha widget
    brief = ("<html><head><title>Brève : les captchas agacent les lecteurs</title></head><body>"
             "<h1>Les captchas agacent</h1><p>" + " ".join(SENTENCES[:4]) + " Les lecteurs "
             "lisent « Checking your browser before accessing » et doivent prouver qu'ils ne "
             "sont pas un robot avant de lire la suite de l'article du jour.</p></body></html>")
    assert TOO_SHORT_WORDS <= _words(brief) <= BLOCKED_MAX_WORDS
    assert bot_challenge_reason(brief, _words(brief)) is None


def test_a_short_article_with_a_comment_recaptcha_is_not_a_challenge() -> None:
    html = ('<html><head><title>Brève : la météo de demain</title><script '
            'src="https://www.google.com/recaptcha/api.js"></script></head><body><h1>Brève</h1>'
            "<p>Temps ensoleillé sur tout le Royaume.</p><form><div class=\"g-recaptcha\">"
            "</div><button>Commenter</button></form></body></html>")
    assert bot_challenge_reason(html, _words(html)) is None


def test_the_cloudflare_header_alone_is_enough() -> None:
    html = "<html><head><title>lebrief.ma</title></head><body></body></html>"
    assert bot_challenge_reason(html, 0, {"CF-Mitigated": "challenge"})
    assert bot_challenge_reason(html, 0, {"Server": "cloudflare"}) is None


def test_fault_payload_builders_stay_small() -> None:
    """The server never builds a 50 MB body: the bomb is compressed, the page streamed."""
    assert len(gzip_bomb(FIFTY_MB).body) < 100_000
    page = huge(FIFTY_MB)
    assert page.body == b"" and page.length == sum(len(c) for c in page.stream())
