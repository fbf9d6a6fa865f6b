"""transforms.dedup: normalisation, exact hashes, MinHash signatures and LSH grouping."""

from __future__ import annotations

import random
import unicodedata

from transforms.dedup import (
    content_hash,
    lsh_bands,
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


def _normalized_reference(text: str) -> str:
    """The definition, one character at a time (``normalized_text`` caches it per character)."""
    out = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if category == "Mn" or char == "\u0640":
            continue
        out.append(" " if category[0] in "PSZC" else char)
    return " ".join("".join(out).casefold().split())


def test_normalized_text_equals_its_definition_on_any_characters() -> None:
    rng = random.Random(7)
    planes = [(32, 0x250), (0x600, 0x700), (0x2000, 0x2100), (0xFB00, 0xFB50), (0, 0x110000)]
    texts = ["Straße ǅ ﬁ ½ ΣΑΣ İstanbul\u200b\u00ad", _doc(4)]
    for _ in range(2000):
        texts.append("".join(chr(rng.randrange(*rng.choice(planes)))
                             for _ in range(rng.randrange(60))))
    assert [normalized_text(t) for t in texts] == [_normalized_reference(t) for t in texts]


def test_lsh_bands_are_datasketchs() -> None:
    bands, rows = lsh_bands(0.7, 128)
    assert (bands, rows) == (14, 9)  # what MinHashLSH(threshold=0.7, num_perm=128) uses
    assert bands * rows <= 128
