#!/usr/bin/env bash
# Screenshot the Prefect UI showing the latest nightly run and its per-outlet artifact, with
# headless Chromium (Debian package `chromium`; installed with apt-get when missing).
#
#   scripts/screenshot_ui.sh            # against $PREFECT_API_URL (default 127.0.0.1:4200),
#                                       # which must have a finished nightly run
#   scripts/screenshot_ui.sh --setup    # start a throwaway server, run nightly on the snapshot
#                                       # against it, screenshot, stop the server
#
# Writes docs/prefect-ui.png (the flow run page) and docs/prefect-artifact.png (the table).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PY:-$ROOT/.venv/bin/python}
OUT_RUN=${OUT_RUN:-docs/prefect-ui.png}
OUT_ARTIFACT=${OUT_ARTIFACT:-docs/prefect-artifact.png}
export PREFECT_SERVER_ANALYTICS_ENABLED=false

if ! command -v chromium >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

TMP=$(mktemp -d)
SERVER_PID=""
cleanup() {
    if [[ -n $SERVER_PID ]]; then kill -- "-$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

if [[ ${1:-} == --setup ]]; then
    PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    export PREFECT_HOME=$TMP/prefect PREFECT_API_URL=http://127.0.0.1:$PORT/api
    setsid "$PY" -m prefect server start --host 127.0.0.1 --port "$PORT" >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 240); do
        curl -sf "$PREFECT_API_URL/health" >/dev/null && break
        sleep 0.5
    done
    curl -sf "$PREFECT_API_URL/health" >/dev/null || { tail -20 "$TMP/server.log"; exit 1; }
    "$PY" -m prefect gcl create warehouse-writes --limit 1 >/dev/null
    KHABAR_RUNS_DIR=$TMP/runs "$PY" -m flows.nightly --snapshot --db "$TMP/news.duckdb" \
        >"$TMP/flow.log" 2>&1 \
        || { tail -30 "$TMP/flow.log"; exit 1; }
fi
export PREFECT_API_URL=${PREFECT_API_URL:-http://127.0.0.1:4200/api}
UI=${PREFECT_API_URL%/api}

# The latest nightly flow run and its per-outlet table artifact, read through the API.
read -r RUN_ID ARTIFACT_ID < <("$PY" - <<'PYEOF'
from prefect import get_client
from prefect.client.schemas.filters import (ArtifactFilter, ArtifactFilterFlowRunId,
                                            FlowFilter, FlowFilterName, FlowRunFilter,
                                            FlowRunFilterState, FlowRunFilterStateType)
from prefect.client.schemas.sorting import FlowRunSort

with get_client(sync_client=True) as client:
    runs = client.read_flow_runs(
        flow_filter=FlowFilter(name=FlowFilterName(any_=["nightly"])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
            type=FlowRunFilterStateType(any_=["COMPLETED"]))),
        sort=FlowRunSort.START_TIME_DESC, limit=1)
    if not runs:
        raise SystemExit("no completed nightly run on this server (use --setup)")
    artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
        flow_run_id=ArtifactFilterFlowRunId(any_=[runs[0].id])))
    table = [a for a in artifacts if a.key == "nightly-outlets"]
    print(runs[0].id, table[0].id if table else "")
PYEOF
)

shot() {  # shot URL FILE
    local profile
    profile=$(mktemp -d "$TMP/chromium.XXXX")
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --window-size=1400,900 --virtual-time-budget=10000 \
        --screenshot="$ROOT/$2" "$1" >/dev/null 2>&1
    echo "$2  <-  $1"
}
shot "$UI/runs/flow-run/$RUN_ID" "$OUT_RUN"
if [[ -n $ARTIFACT_ID ]]; then
    shot "$UI/artifacts/artifact/$ARTIFACT_ID" "$OUT_ARTIFACT"
fi
