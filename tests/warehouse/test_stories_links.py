"""Every copy linked to its original (issue 14): copies that keep a verbatim passage of their
source are candidates even when they share no LSH bucket and fewer than two entity keys.

The case that was missed: ``ar-neg-bourita-ue/alyaoum24`` of the labelled set, an Arabic
dispatch of three paragraphs rewritten down to a new headline, a new lead and one verbatim
paragraph (Jaccard 0.25: no shared bucket; no capitals to find names by, so one shared key).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench import storyset
from bench.storyset.runs import evaluate, load_storyset, write_nights
from transforms import story
from transforms.dedup import minhash_signature
from warehouse import connect
from warehouse.load import load_run
from warehouse.stories import update_stories
from warehouse.story_features import band_keys

SOURCE, REWRITE = "ar-neg-bourita-ue/map", "ar-neg-bourita-ue/alyaoum24"


def _pair() -> list[storyset.LabelledArticle]:
    items = {a.id: a for a in storyset.articles()}
    return [items[SOURCE], items[REWRITE]]


def _duplicate_of(con, url: str) -> str | None:
    return con.execute(
        "select o.canonical_url from articles as a left join articles as o "
        "on o.article_id = a.duplicate_of where a.canonical_url = ?", [url]).fetchone()[0]


def test_the_missed_rewrite_shares_no_bucket_and_one_entity_key() -> None:
    """The precondition of the tests below: nothing but its verbatim paragraph can find it."""
    source, rewrite = _pair()
    buckets = [set(band_keys(np.array([minhash_signature(a.text)], dtype=np.uint64))[0])
               for a in (source, rewrite)]
    assert not buckets[0] & buckets[1]
    features = [story.story_features(a.title, a.text, a.language) for a in (source, rewrite)]
    assert len(set(story.entity_keys(features[0])) & set(story.entity_keys(features[1]))) == 1
    # ... and the scorer calls it a copy once it is a candidate.
    verdict = story.score_pair(*features, minhash_signature(source.text),
                               minhash_signature(rewrite.text), source.published_at,
                               rewrite.published_at)
    assert verdict.kind == "copy"


def test_a_rewrite_kept_to_one_verbatim_paragraph_links_to_its_original(tmp_path: Path) -> None:
    source, rewrite = _pair()
    con = connect(tmp_path / "news.duckdb")
    for run_id, run_dir in write_nights(tmp_path / "runs", [source, rewrite]):
        load_run(con, run_id, run_dir)
    assert _duplicate_of(con, rewrite.url) == source.url
    assert _duplicate_of(con, source.url) is None
    # A rebuild computes the keys from the stored texts (no run folder): the same link.
    con.begin()
    update_stories(con)
    con.commit()
    assert _duplicate_of(con, rewrite.url) == source.url
    assert con.execute("select count(distinct story_id) from articles").fetchone() == (1,)
    con.close()


def test_one_shared_passage_counts_as_enough_shared_keys() -> None:
    paragraph = ("the harbour authority said the new container terminal will open in march "
                 "after two years of works on the northern quay")
    a = story.passage_keys(f"First lead of one outlet.\n\n{paragraph}")
    # Typography and case do not matter; a line break inside the text splits passages.
    b = story.passage_keys(f"Another lead entirely.\n{paragraph.upper().replace(' ', '  ')}.")
    assert len(set(a) & set(b)) == story.MIN_SHARED_KEYS


def test_short_lines_and_long_texts_give_bounded_passage_keys() -> None:
    # Bylines, captions and "read also" lines repeat under an outlet's every article.
    assert story.passage_keys("Lire aussi : le port de Tanger Med bat un record\n\nPar MAP") == []
    assert story.passage_keys(None) == []
    long = "\n\n".join(" ".join(f"w{p}x{i}" for i in range(story.PASSAGE_MIN_WORDS))
                       for p in range(3 * story.MAX_PASSAGES))
    assert len(story.passage_keys(long)) == story.MAX_PASSAGES * story.MIN_SHARED_KEYS


def test_the_run_folder_carries_the_passage_keys() -> None:
    """The extraction workers compute them (``features_row``), so the load reads no text."""
    _, rewrite = _pair()
    row = story.features_row(rewrite.title, rewrite.text, rewrite.language)
    assert set(story.passage_keys(rewrite.text)) <= set(row["keys"])
    assert row["keys"] == sorted(row["keys"])


def test_every_labelled_copy_is_linked_to_its_original(tmp_path: Path) -> None:
    con = connect(tmp_path / "news.duckdb")
    load_storyset(con, tmp_path / "runs")
    quality = evaluate(con)
    con.close()
    assert quality.copies_linked == quality.copies_total, quality.misplaced
    assert quality.copies[0] == 1.0, quality.misplaced  # and no false copy came with them
