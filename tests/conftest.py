"""Registers the shared fixtures of ``tests/support/fixtures.py`` for every test module."""

from tests.support.fixtures import con, lake, pg_cluster, prefect_harness  # noqa: F401
