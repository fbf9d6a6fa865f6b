"""Prefect flows: the only package that knows Prefect. Tasks wrap plain functions of the stages."""

import os

# Defaults for running a flow without a Prefect server (Prefect then starts a temporary one):
# its first start on a new PREFECT_HOME migrates a database and needs more than the default
# 20 s on a small machine, and telemetry only logs errors on an offline machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
