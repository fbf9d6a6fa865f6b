"""When a night checks the network first (``pipeline.night.NightPlan.goes_online``).

A night over the synthetic web routes its crawls to a loopback server through Scrapy settings;
its outlets' made-up hosts resolve nowhere, so the network probe must not run (``bench.night``
failed every night "offline" before it crawled)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.context import RunContext
from pipeline.night import NightPlan, run_night


class _Stopped(Exception):
    pass


class _Recording:
    """Stages that record what the night called and stop it at its crawl."""

    def __init__(self) -> None:
        self.called: list[str] = []

    def prepare_run(self, run, outlets, parameters):  # type: ignore[no-untyped-def]
        self.called.append("prepare_run")
        return {}

    def require_network(self, outlets):  # type: ignore[no-untyped-def]
        self.called.append("require_network")
        raise _Stopped("offline")

    def crawl_outlets(self, run, outlets, options, state, *, max_parallel):  # type: ignore[no-untyped-def]
        self.called.append("crawl_outlets")
        raise _Stopped("crawl reached")

    def fail_night(self, run, error):  # type: ignore[no-untyped-def]
        return str(error)


@pytest.mark.parametrize(("options", "snapshot", "online"), [
    ({}, False, True),
    ({"settings": {"LOG_LEVEL": "INFO"}}, False, True),
    ({"settings": {"SNAPSHOT_HOSTS": '{"outlet01.khabar.test": "127.0.0.1:8000"}'}}, False, False),
    ({"settings": {"SNAPSHOT_WARC": "/tmp/web.warc.gz"}}, False, False),
    ({}, True, False),
])
def test_the_network_is_probed_only_when_the_crawls_go_to_the_web(
        tmp_path: Path, options: dict, snapshot: bool, online: bool) -> None:
    plan = NightPlan(outlets=[], parameters={}, crawl_options=options, snapshot=snapshot)
    stages = _Recording()
    outcome = run_night(RunContext("t", "r1", tmp_path / "r1", tmp_path / "w.duckdb"), plan,
                        stages)  # type: ignore[arg-type]
    assert plan.goes_online is online
    if online:
        assert stages.called == ["prepare_run", "require_network"]
        assert outcome.error == "offline"
    else:
        assert stages.called == ["prepare_run", "crawl_outlets"]
        assert outcome.error == "crawl reached"
