"""Duplicate signatures: exact (hash of normalised text) and near (MinHash over word shingles).

Pure functions: the flow computes a signature per page and writes it to Parquet; the warehouse
stores signatures and hands them back to ``near_duplicate_groups`` to cluster. datasketch is
imported here and nowhere else, with its seed and permutation scheme pinned, because hash values
carry no trace of how they were made: a library default changing between versions would silently
make old stored signatures incomparable with new ones.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

K = TypeVar("K", bound=Hashable)

SHINGLE_WORDS = 5
_SEED = 1
_SCHEME = "affine32"
# Tatweel (Arabic kashida) is a letter-modifier used only to stretch words for layout.
_DROPPED = {"\u0640"}


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
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if category == "Mn" or char in _DROPPED:
            continue
        out.append(" " if category[0] in "PSZC" else char)
    return " ".join("".join(out).casefold().split())


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


def minhash_signature(text: str, num_perm: int = 128) -> list[int]:
    """MinHash of the word 5-shingles of the normalised text.

    Args:
        text: extracted article text.
        num_perm: signature length; the warehouse stores and compares 128.

    Returns:
        ``num_perm`` unsigned 32-bit values, or ``[]`` for a text with no words (an empty
        signature would otherwise equal every other empty one).
    """
    shingles = _shingles(normalized_text(text))
    if not shingles:
        return []
    sketch = MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME)
    sketch.update_batch(shingles)
    return [int(v) for v in sketch.hashvalues]


class _Components:
    """Union-find over arbitrary keys (path halving)."""

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
    components = _Components()
    for key, sketch in sketches.items():
        for other in lsh.query(sketch):
            if other != key and np.mean(arrays[key] == arrays[other]) >= threshold:
                components.union(key, other)
    groups: dict[Hashable, set[K]] = {}
    for key in arrays:
        groups.setdefault(components.find(key), set()).add(key)
    return [group for group in groups.values() if len(group) > 1]
