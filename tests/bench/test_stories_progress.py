"""``bench.stories_child`` writes a progress line per loaded run, to follow an hour-long build."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bench.child import run_json
from bench.warehouse import T0, generate, write_run
from transforms.dedup import content_hash, minhash_signature

pytestmark = pytest.mark.integration  # a fresh interpreter importing DuckDB and the loader


def test_a_line_per_run_with_cumulative_times(tmp_path: Path) -> None:
    docs = generate(60)
    sigs = [(content_hash(d.text), minhash_signature(d.text)) for d in docs]
    first = write_run(tmp_path / "a", docs[:40], sigs[:40])
    second = write_run(tmp_path / "b" / "night", docs[40:], sigs[40:], run_id="night",
                       fetched=T0 + timedelta(days=401))
    progress = tmp_path / "progress.jsonl"
    out = run_json("bench.stories_child", {
        "db": str(tmp_path / "build.duckdb"), "progress": str(progress),
        "runs": [["bench", str(first), 40], ["night", str(second), 20]]})
    lines = [json.loads(line) for line in progress.read_text().splitlines()]
    assert [line["loaded"] for line in lines] == [40, 60]
    assert 0 < lines[0]["seconds"] <= lines[1]["seconds"] <= round(out["seconds"], 1) + 0.1
    assert 0 < lines[1]["grouping_cpu"] <= lines[1]["cpu"]
