"""The fixtures every test can take, registered by ``tests/conftest.py`` (not a test module).

Fixtures used by one test module stay in it; helpers used by more than one live beside this in
``tests/support/``."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

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
    """One throwaway PostgreSQL cluster per session (``pgcluster.py``), stopped by PID at the end.

    Skips the test when the server programs are absent, except under CI, where .ci/run installs
    them and their absence is an error.
    """
    from tests.support.pgcluster import PostgresUnavailable, start_cluster

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


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh warehouse: a new DuckDB file in tmp_path, migrated from zero."""
    from warehouse import connect

    db = connect(tmp_path / "news.duckdb")
    try:
        yield db
    finally:
        db.close()
