"""``bench.stories.repeated``: a generated period repeated later keeps every article its own
(URL, declared original) and every aggregator's date a Casablanca midnight."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bench.stories import CASABLANCA, PER_DAY, generate, repeated


def test_a_repeated_period_is_new_articles_on_later_days(tmp_path: Path) -> None:
    period = PER_DAY  # one day, then two repetitions and a part of a third
    source = generate(period, tmp_path, workers=1)
    rows = pq.read_table(repeated(source, 3 * period + 500, period)).to_pylist()
    first = pq.read_table(source).to_pylist()

    assert len(rows) == 3 * period + 500
    assert rows[:period] == first  # the first period as generated
    urls = [r["url"] for r in rows]
    assert len(set(urls)) == len(urls)
    declared = [r for r in rows if r["original_url"]]
    assert declared and all(r["original_url"] in urls for r in declared)
    for i in (period + 7, 2 * period + 900, 3 * period + 499):
        again, was = rows[i], first[i % period]
        assert again["text"] == was["text"] and again["minhash"] == was["minhash"]
        shift = again["published_at"].astimezone(CASABLANCA).replace(tzinfo=None) \
            - was["published_at"].astimezone(CASABLANCA).replace(tzinfo=None)
        assert shift == timedelta(days=i // period)
    for row in declared:  # an aggregator's copy: a local midnight, its original of its period
        assert row["published_at"].astimezone(CASABLANCA).time() == time(0)
        index = [int(u.rstrip("/").rsplit("/", 1)[1]) for u in (row["url"], row["original_url"])]
        assert index[0] // period == index[1] // period


def test_a_period_of_part_of_a_day_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="whole number of days"):
        repeated(tmp_path / "none.parquet", 10, PER_DAY + 1)
