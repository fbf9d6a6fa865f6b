"""Prefect flows: the only package that knows Prefect. Tasks wrap plain functions of the stages."""

import os
import sys
from pathlib import Path

# Defaults for running a flow without a Prefect server (Prefect then starts a temporary one):
# its first start on a new PREFECT_HOME migrates a database and needs more than the default
# 20 s on a small machine, and telemetry only logs errors on an offline machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

# Every entry point (`python -m flows.nightly`, `flows.backfill`, `flows.reextract`, `make demo`)
# records its runs in the project's Prefect home, `.prefect/` beside this package, unless the
# user set PREFECT_HOME: the Makefile exports the same path, and the README's server uses it,
# so those runs show in the same UI. Without this, `python -m flows.nightly` wrote into
# ~/.prefect and its nights never appeared there. Only before Prefect is imported: Prefect reads
# its settings once, and a process that imported it first (a worker running a deployment) keeps
# the home it was started with.
if "prefect" not in sys.modules:
    os.environ.setdefault("PREFECT_HOME", str(Path(__file__).resolve().parents[1] / ".prefect"))
