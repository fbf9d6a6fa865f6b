"""What the tests share, in one place (not test modules).

* :mod:`tests.support.fixtures`: the session-wide fixtures (Prefect harness, PostgreSQL cluster,
  DuckLake, a fresh warehouse), registered for every test by ``tests/conftest.py``;
* :mod:`tests.support.loopback`: the one loopback HTTP server that the programmable fault server
  (:mod:`tests.support.faultserver`), the chaos replay (:mod:`tests.scenarios.chaos`) and the
  webhook receiver (:mod:`tests.support.prefectserver`) are built on;
* :mod:`tests.support.runs`: run folders made from ``Article`` records, and what a loaded
  warehouse holds (factories);
* :mod:`tests.support.stories`: stories checked against the pure reference;
* :mod:`tests.support.crawls`: a fake outlet as a WARC, and ``scrapy crawl`` in a subprocess;
* :mod:`tests.support.pages`: small article pages for the loopback servers;
* :mod:`tests.support.golden`: the golden pages per outlet and their expected records (also
  read by ``scripts/generate_golden.py`` and ``bench.extraction``);
* :mod:`tests.support.processes`: process trees (wait, descendants, survivors);
* :mod:`tests.support.source`: the string constants of a module's code, docstrings left out
  (the scans for SQL in Python strings and for run-folder names);
* :mod:`tests.support.prefectserver`: a real ``prefect server`` on loopback;
* :mod:`tests.support.pgcluster`: a throwaway PostgreSQL cluster.

Test modules import from here, never from one another.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the project: cwd of the subprocesses tests start
TESTS = ROOT / "tests"
