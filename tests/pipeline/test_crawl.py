"""pipeline.crawl: Scrapy log summaries, crawl failure rules, the crawl command and its arguments.
No crawl."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from khabar.run.crawlargs import CrawlArgs
from khabar.run.layout import KNOWN, SEEN, VALIDATORS, RunFolder
from pipeline.crawl import CrawlResult, crawl_command, failure_reason, summarise_log

LOG = """\
2026-11-23 20:13:11 [scrapy.utils.log] INFO: Scrapy 2.19.0 started (bot: khabar)
 'LOG_LEVEL': 'INFO',
2026-11-23 20:13:12 [scrapy.core.scraper] ERROR: Error downloading <GET https://a.ma/1/>
Traceback (most recent call last):
2026-11-23 20:13:12 [scrapy.core.scraper] ERROR: Error downloading <GET https://a.ma/22/>
2026-11-23 20:13:13 [x] WARNING: Listing page 3 had no links
2026-11-23 20:13:13 [scrapy.core.engine] INFO: Spider closed (finished)
"""


def test_log_summary_counts_levels_and_groups_problems():
    summary = summarise_log(LOG.splitlines())
    assert summary.levels == {"INFO": 2, "ERROR": 2, "WARNING": 1}
    assert summary.tracebacks == 1
    assert summary.problems[0] == ("ERROR [scrapy.core.scraper] Error downloading <url>", 2)
    assert summary.problems[1] == ("WARNING [x] Listing page N had no links", 1)


def test_crawl_failure_rules():
    ok = CrawlResult("x", 0, 1.0, stats={"requests": 3, "responses": 3})
    assert failure_reason(ok) is None
    assert failure_reason(CrawlResult("x", 1, 1.0, stats=ok.stats)) == "scrapy exited 1"
    assert failure_reason(CrawlResult("x", 0, 1.0)) == "no crawl stats written"
    dark = CrawlResult("x", 0, 1.0, stats={"requests": 2, "responses": 0,
                                           "errors_by_class": {"DNSLookupError": 2}})
    assert failure_reason(dark) == "no response to 2 requests (DNSLookupError x2)"


def spider_arguments(cmd: list[str]) -> dict[str, str]:
    """The ``-a NAME=VALUE`` arguments of a ``scrapy crawl`` command line."""
    return dict(cmd[i + 1].split("=", 1) for i, part in enumerate(cmd) if part == "-a")


def test_crawl_command_passes_window_and_incremental_state():
    run = RunFolder(Path("/r"))
    state = (run.state_file(SEEN, "x"), run.state_file(KNOWN, "x"),
             run.state_file(VALIDATORS, "x"))
    cmd = crawl_command("x", run.path, "id", since=date(2026, 1, 1), until=date(2026, 2, 1),
                        max_pages=50, backfill=True, seen_file=state[0], known_file=state[1],
                        validators_file=state[2])
    args, rest = CrawlArgs.from_spider_kwargs(spider_arguments(cmd))
    assert rest == {}
    assert (args.since, args.until, args.max_pages, args.backfill) == (
        date(2026, 1, 1), date(2026, 2, 1), 50, True)
    assert (args.seen_file, args.known_file, args.validators_file) == state
    assert (args.run_dir, args.run_id) == (Path("/r"), "id")


def test_every_crawl_argument_is_one_the_spider_takes(tmp_path: Path):
    """The flow and the spider agree on the arguments: a spider built from the command line
    has them all, and a misspelt one is refused before any process starts (it used to be
    silently ignored)."""
    from registry import load_outlets
    from spiders.outlets import spider_class

    seen, known, validators = (tmp_path / "seen.txt", tmp_path / "known.json",
                               tmp_path / "validators.json")
    seen.write_text("https://example.org/a\n")
    known.write_text("{}")
    validators.write_text("{}")
    outlet = next(iter(load_outlets().values()))
    cmd = crawl_command(outlet.id, tmp_path, "id", since=date(2026, 1, 1),
                        until=date(2026, 2, 1), max_pages=5, backfill=True, seen_file=seen,
                        known_file=known, validators_file=validators)
    spider = spider_class(outlet)(**spider_arguments(cmd))
    assert (spider.since, spider.until, spider.max_pages, spider.backfill) == (
        date(2026, 1, 1), date(2026, 2, 1), 5, True)
    assert (spider.run_dir, spider.run_id, spider.seen) == (
        tmp_path, "id", frozenset({"https://example.org/a"}))
    with pytest.raises(ValidationError, match="max_page"):
        crawl_command(outlet.id, tmp_path, "id", max_page=5)
