"""Shared fixtures. Each test module keeps its own helpers; only cross-cutting setup lives here."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Never let a test touch the user's Prefect home or warehouse, nor phone home.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """A throwaway Prefect API (SQLite in a temp dir) for flow tests; started once (~10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster per session (tests/pgcluster.py), stopped by PID at the end.

    Skips the test when the server programs are absent, except under CI, where .ci/run installs
    them and their absence is an error.
    """
    from tests.pgcluster import PostgresUnavailable, start_cluster

    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


_LAKES = itertools.count(1)


@pytest.fixture
def lake(pg_cluster, tmp_path, request):
    """A new, empty DuckLake: its own catalog database in the shared cluster, data in tmp_path."""
    from warehouse.backend import LakeConfig

    tag = "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:40]
    name = f"lake_{next(_LAKES)}_{tag}"
    pg_cluster.create_database(name)
    return LakeConfig(catalog=pg_cluster.url(name), data_path=str(tmp_path / "lake-data"))
