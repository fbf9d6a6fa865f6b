# Two commands matter: `make demo` (set up, run the nightly flow on the offline snapshot) and
# `make test` (set up, run the test suite). Both create .venv from the lock file first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.synced

export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_LOGGING_LEVEL ?= INFO

.PHONY: env demo test lint lock snapshot clean bench

env: $(STAMP)

# --compile-bytecode: every crawl is a new process; without .pyc files (PYTHONDONTWRITEBYTECODE,
# read-only installs) each one compiles ~700 modules first, 1.2 s more CPU per crawl (bench.crawl).
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

demo: env
	$(BIN)/python -m flows.nightly --snapshot

test: env
	$(BIN)/python -m pytest

# Every benchmark, one process each, into BENCHMARKS.md (BENCH_ARGS=--quick: small sizes).
bench: env
	$(BIN)/python -m bench $(BENCH_ARGS)

# Faults, crashes and bad input: prints the numbers and writes RELIABILITY.md (8-14 min on 2
# cores), then the fan-out over two real Prefect workers onto a DuckLake (~5.5 min).
.PHONY: reliability
reliability: env
	$(BIN)/python -m tests.scenarios.reliability_report
	KHABAR_SLOW_TESTS=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/scenarios/test_fanout.py

lint: env
	$(BIN)/ruff check .
	$(BIN)/mypy

# Re-resolve pinned versions after editing pyproject.toml.
lock:
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# Rebuild snapshot/outlets.warc.gz and expected.json from snapshot/content and templates.
snapshot: env
	$(BIN)/python -m snapshot.build

clean:
	rm -rf $(VENV) .prefect data warehouse/news.duckdb warehouse/news.duckdb.wal
