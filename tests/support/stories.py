"""Stories checked against the pure reference, and near-duplicate texts (not a test module): used
by the story-graph tests of the DuckDB warehouse and of the DuckLake."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb

from tests.support.runs import T0, art, snapshot, words, write_run
from transforms import story
from warehouse.stories import update_stories


def reference_stories(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    """Stories and copies as the pure reference makes them: every pair of stored articles scored
    (no candidate search), then ``assign_stories`` over every article."""
    rows = con.execute(
        "select a.article_id, a.outlet, a.title, a.text, a.language, a.published_at, "
        "a.first_seen, a.original_url, s.minhash from articles a "
        "left join article_signatures s using (article_id) order by a.article_id"
    ).fetchall()
    addresses = dict(con.execute(
        "select canonical_url, article_id from articles union select url, article_id "
        "from articles"
    ).fetchall())
    feats = {r[0]: story.story_features(r[2], r[3], r[4]) for r in rows}
    links = []
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            when_a, when_b = a[5] or a[6], b[5] or b[6]
            if abs((when_a - when_b).days) > story.WINDOW_DAYS + 1:
                continue
            verdict = story.score_pair(feats[a[0]], feats[b[0]], a[8] or [], b[8] or [],
                                       when_a, when_b, same_outlet=a[1] == b[1])
            if verdict.kind:
                links.append((a[0], b[0], verdict.kind, round(verdict.containment, 4)))
        original = addresses.get(a[7]) if a[7] else None
        if original and original != a[0]:
            links.append((a[0], original, "declared", None))
    members = [story.Member(r[0], r[1], r[5], r[6]) for r in rows]
    return story.assign_stories(members, links)


def check_stories(con: duckdb.DuckDBPyConnection) -> None:
    """Stored stories and copies = the reference; the incremental graph = a rebuild."""
    stored = {a: (s, d) for a, s, d in con.execute(
        "select article_id, story_id, duplicate_of from articles").fetchall()}
    assert stored == reference_stories(con)
    assert all(a < b for a, b in con.execute(
        "select article_id, other_id from story_links where kind <> 'declared'").fetchall())
    assert con.execute("select count(*) from (select article_id, other_id, kind from story_links "
                       "group by all having count(*) > 1)").fetchone() == (0,)
    before = snapshot(con)
    con.begin()
    update_stories(con)  # changed=None: the graph and stories rebuilt from every article
    assert snapshot(con) == before
    con.rollback()


def variant(seed: int, k: int) -> str:
    """Near-duplicate k of text ``seed``: one word inserted (Jaccard ~0.97)."""
    base = words(100 + seed, 300).split()
    base.insert(40 + 25 * k, f"ajout{k}")
    return " ".join(base)


def story_graph_nights(runs: Path) -> list[tuple[str, Path]]:
    """Three nights whose articles form stories across nights (an aggregator copy, a wire story
    in three outlets, an article edited out of its story), then r2 reloaded with fewer pages and
    whole again: ``(run_id, run folder)`` in load order, written under ``runs``."""
    day = [T0 + timedelta(days=d) for d in range(4)]
    r1 = [
        art("lebrief", "a0", variant(0, 0), published_at=day[0]),
        art("le360", "a1", variant(1, 0), published_at=day[0]),
        art("hespress", "seul", words(7)),
    ]
    r2 = [
        art("hespress", "a0-bis", variant(0, 1), published_at=day[0] - timedelta(hours=1)),
        art("le360", "a1", words(8), title="a1 réécrit"),  # edited: leaves story a1
        art("lebrief", "a2", variant(2, 0), published_at=day[1]),
        art("telquel", "a2", variant(2, 1), published_at=day[1] + timedelta(hours=2)),
        art("maghress", "fr/lebrief/a0", variant(0, 0), original_url="https://lebrief.ma/a0"),
    ]
    r3 = [
        art("lebrief", "a1-bis", variant(1, 1), published_at=day[2]),
        art("yabiladi", "a2", variant(2, 2), published_at=day[2]),
        art("le360", "a3", variant(3, 0)),
    ]
    loads = [(run_id, write_run(runs / run_id, run_id, pages, fetched_at=when))
             for run_id, pages, when in (("r1", r1, day[0]), ("r2", r2, day[1]),
                                         ("r3", r3, day[2]))]
    fewer = write_run(runs / "fewer", "r2", r2[2:3], fetched_at=day[1])
    return [*loads, ("r2", fewer), ("r2", loads[1][1])]
