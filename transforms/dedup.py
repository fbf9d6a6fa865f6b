"""Duplicate signatures: exact (hash of normalised text) and near (MinHash over word shingles).

Pure functions: the flow computes a signature per page and writes it to Parquet; the warehouse
stores signatures and indexes them in SQL with the LSH bands ``lsh_bands`` gives, finding the
pairs ``near_duplicate_groups`` finds (which stays, as the reference). datasketch is
imported here and nowhere else, with its seed and permutation scheme pinned, because hash values
carry no trace of how they were made: a library default changing between versions would silently
make old stored signatures incomparable with new ones. It is imported inside the functions that
use it: with scipy behind it, it costs a process ~1 s to import, and most processes that import
this module (the warehouse loader, its CLI) never sign a text.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)

SHINGLE_WORDS = 5
# Signature length the warehouse stores and compares.
NUM_PERM = 128
_SEED = 1
_SCHEME = "affine32"
# Tatweel (Arabic kashida) is a letter-modifier used only to stretch words for layout.
_DROPPED = {"\u0640"}


class _Folding(dict[int, str]):
    """``str.translate`` table built lazily: per code point, ``""`` (dropped), ``" "`` or itself.

    Asking ``unicodedata.category`` once per distinct character instead of once per character
    makes normalisation ~10x faster; it runs twice per extracted article (hash and MinHash).
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Mn" or char in _DROPPED:
            folded = ""
        elif category[0] in "PSZC":
            folded = " "
        else:
            folded = char
        self[code] = folded
        return folded


_FOLDING = _Folding()


def normalized_text(text: str) -> str:
    """Text reduced to what survives re-publication: words, case-folded, without marks.

    Outlets and aggregators copying a dispatch change typography (quotes, dashes, NBSP),
    accents (capitals often lose them) and Arabic vowel marks, so all of it goes: NFKD, drop
    combining marks (Latin accents and Arabic harakat alike) and tatweel, turn punctuation and
    symbols into spaces, case-fold, collapse whitespace.

    Args:
        text: any extracted text.

    Returns:
        Space-separated words; ``""`` when the text holds no word.
    """
    return " ".join(unicodedata.normalize("NFKD", text).translate(_FOLDING).casefold().split())


def content_hash(text: str) -> str:
    """Hex SHA-256 of ``normalized_text(text)``: equal for exact copies modulo typography.

    Returns:
        64 hex characters, or ``""`` for a text with no words (so empty pages never match).
    """
    norm = normalized_text(text)
    return hashlib.sha256(norm.encode("utf-8")).hexdigest() if norm else ""


def _shingles(norm: str) -> list[bytes]:
    words = norm.split()
    if len(words) <= SHINGLE_WORDS:
        return [norm.encode("utf-8")] if words else []
    return [
        " ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8")
        for i in range(len(words) - SHINGLE_WORDS + 1)
    ]


def minhash_signature(text: str, num_perm: int = NUM_PERM) -> list[int]:
    """MinHash of the word 5-shingles of the normalised text.

    Args:
        text: extracted article text.
        num_perm: signature length; the warehouse stores and compares 128.

    Returns:
        ``num_perm`` unsigned 32-bit values, or ``[]`` for a text with no words (an empty
        signature would otherwise equal every other empty one).
    """
    from datasketch import MinHash

    shingles = _shingles(normalized_text(text))
    if not shingles:
        return []
    sketch = MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME)
    sketch.update_batch(shingles)
    return [int(v) for v in sketch.hashvalues]


def lsh_bands(threshold: float = 0.7, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows): how ``MinHashLSH(threshold, num_perm)`` cuts a signature into buckets.

    Two signatures are LSH candidates when the values ``[b * rows, (b + 1) * rows)`` are equal for
    some band ``b``. The warehouse keeps these buckets in a table so that a night's new articles
    are compared with stored ones by a join, with these numbers (``warehouse.stories.BANDS`` and
    ``ROWS``; a test checks they agree), so that it finds the pairs ``near_duplicate_groups`` finds.
    """
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


class Components:
    """Union-find over arbitrary keys (path halving); also what groups stories."""

    def __init__(self) -> None:
        self._parent: dict[Hashable, Hashable] = {}

    def find(self, key: Hashable) -> Hashable:
        parent = self._parent.setdefault(key, key)
        while parent != key:
            grand = self._parent[parent]
            self._parent[key] = grand
            key, parent = parent, self._parent.setdefault(grand, grand)
        return key

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[rb] = ra


def near_duplicate_groups(
    signatures: Mapping[K, Sequence[int]], threshold: float = 0.7
) -> list[set[K]]:
    """Groups of keys whose signatures estimate Jaccard similarity >= ``threshold``.

    Candidates come from MinHashLSH (banded buckets: linear in the number of signatures, never
    all pairs); each candidate pair is then checked against the estimated Jaccard so LSH's false
    positives do not chain unrelated texts together. Groups are connected components.

    Args:
        signatures: key -> signature from ``minhash_signature`` (all the same length); empty
            signatures are ignored.
        threshold: minimum estimated Jaccard similarity of word shingles.

    Returns:
        Groups of two or more keys, each a set; keys in no group are near-duplicates of nothing.
    """
    from datasketch import LeanMinHash, MinHashLSH

    arrays = {k: np.asarray(v, dtype=np.uint64) for k, v in signatures.items() if len(v)}
    if len(arrays) < 2:
        return []
    num_perm = len(next(iter(arrays.values())))
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sketches = {}
    for key, values in arrays.items():
        if len(values) != num_perm:
            raise ValueError(f"signature of {key!r} has {len(values)} values, not {num_perm}")
        sketch = LeanMinHash(seed=_SEED, hashvalues=values, scheme=_SCHEME)
        sketches[key] = sketch
        lsh.insert(key, sketch)
    components = Components()
    for key, sketch in sketches.items():
        for other in lsh.query(sketch):
            if other != key and np.mean(arrays[key] == arrays[other]) >= threshold:
                components.union(key, other)
    groups: dict[Hashable, set[K]] = {}
    for key in arrays:
        groups.setdefault(components.find(key), set()).add(key)
    return [group for group in groups.values() if len(group) > 1]
