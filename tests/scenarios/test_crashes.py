"""SIGKILL the nightly flow during crawl, extraction and load (``tests/scenarios/crashes.py``): the
warehouse stays consistent after each kill, the next run finishes the killed stage's work,
killed runs are marked abandoned, and the last run loads every snapshot article exactly once.

Real parts: ``python -m flows.nightly --snapshot`` subprocesses in their own process groups
against the session's Prefect test API, Scrapy crawls, a process pool, a DuckDB file.
"""

from __future__ import annotations

import sys

import pytest

from tests.scenarios.crashes import STAGES, crash_chain

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="watches /proc (process tree, file locks)")]


@pytest.fixture(scope="module")
def chain(prefect_harness, tmp_path_factory):
    return crash_chain(tmp_path_factory.mktemp("crashes"))


@pytest.mark.parametrize("stage", STAGES)
def test_the_kill_lands_in_the_stage(chain, stage):
    outcome = next(o for o in chain.outcomes if o.stage == stage)
    prefix = {"crawl": "crawl-", "extract": "extract", "load": "load"}[stage]
    assert any(name.startswith(prefix) for name in outcome.landed_in), outcome.landed_in


@pytest.mark.parametrize("stage", STAGES)
def test_the_warehouse_is_consistent_after_the_kill(chain, stage):
    outcome = next(o for o in chain.outcomes if o.stage == stage)
    assert outcome.consistent, outcome.after_kill


def test_crawls_die_with_their_flow(chain):
    crawl = chain.outcomes[0]
    assert crawl.kill == "the flow process alone" and crawl.orphans == 0


@pytest.mark.parametrize("stage", STAGES)
def test_the_next_run_finishes_the_killed_stage(chain, stage):
    outcome = next(o for o in chain.outcomes if o.stage == stage)
    assert outcome.next_ok, outcome.next_run
    assert outcome.killed_status == "abandoned"


def test_the_last_run_loads_every_article_once(chain):
    assert chain.final_exit == 0 and chain.final_status == "completed"
    tally = chain.tally
    assert tally.loaded == tally.expected and tally.lost == 0, tally.missing
    assert tally.duplicates == 0 and tally.extra_versions == 0 and tally.refetched == 0
    assert not tally.unexpected and not tally.wrong
