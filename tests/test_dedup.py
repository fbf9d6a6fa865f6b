"""transforms.dedup: normalisation, exact hashes, MinHash signatures and LSH grouping."""

from __future__ import annotations

import random

from transforms.dedup import (
    content_hash,
    minhash_signature,
    near_duplicate_groups,
    normalized_text,
)

WORDS = (
    "le gouvernement marocain annonce une réforme du système de santé et de protection sociale "
    "pour les familles des régions rurales avant la fin de l'année selon le ministre"
).split()


def _doc(seed: int, n: int = 200) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(n))


def test_normalized_text_drops_typography_accents_and_arabic_marks() -> None:
    assert normalized_text("L’Élection — «présidentielle»,\u00a0à Rabat !") == (
        "l election presidentielle a rabat"
    )
    # Harakat and tatweel go; the letters stay.
    assert normalized_text("الْحُكُومَةُ المغربيـــة") == "الحكومة المغربية"
    assert normalized_text(" \n\t ") == ""


def test_content_hash_equal_for_copies_empty_for_no_words() -> None:
    a = "Le Maroc signe un accord. « C’est historique », dit-il."
    b = 'le maroc signe un accord - "C\'est historique" dit il'
    assert content_hash(a) == content_hash(b)
    assert len(content_hash(a)) == 64
    assert content_hash(a) != content_hash(a + " hier")
    assert content_hash("") == content_hash(" ... ") == ""


def test_minhash_signature_is_deterministic_and_empty_for_no_words() -> None:
    text = _doc(1)
    sig = minhash_signature(text)
    assert len(sig) == 128 and all(0 <= v < 2**32 for v in sig)
    assert sig == minhash_signature(text.upper())
    assert minhash_signature("") == []
    assert len(minhash_signature("trois mots seulement")) == 128  # short text: one shingle


def test_near_duplicate_groups_links_edits_not_unrelated() -> None:
    base = _doc(1).split()
    edited = base[:100] + ["inséré"] + base[100:]
    signatures = {
        "a": minhash_signature(" ".join(base)),
        "b": minhash_signature(" ".join(edited)),
        "c": minhash_signature(_doc(2)),
        "d": minhash_signature(" ".join(base[:20])),  # shares a fifth only
        "e": [],
    }
    assert near_duplicate_groups(signatures) == [{"a", "b"}]


def test_near_duplicate_groups_chain_into_one_component() -> None:
    base = _doc(3, 400).split()
    texts = {f"v{i}": base[: 300 + 20 * i] for i in range(5)}  # each close to the next
    signatures = {key: minhash_signature(" ".join(words)) for key, words in texts.items()}
    groups = near_duplicate_groups(signatures, threshold=0.85)
    assert groups == [set(texts)]


def test_near_duplicate_groups_scales_linearly_on_distinct_texts() -> None:
    signatures = {i: minhash_signature(_doc(100 + i, 60)) for i in range(1500)}
    assert near_duplicate_groups(signatures) == []
