"""MinHash signatures (datasketch's bulk path) and LSH banding over a signature matrix.

Signatures use datasketch's MinHash scheme over 32-bit shingle hashes (CRC-32 based, deterministic across
processes), computed for whole batches at once. LSH buckets come from hashing each band of the signature
matrix with numpy; candidate pairs found in a shared bucket are verified against the Jaccard threshold
(share of equal signature positions), never accepted on bucketing alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_BUCKET_PAIRS = 64  # larger buckets are linked member-to-first instead of all pairs


BATCH_SHINGLES = 8000  # shingles per numpy pass: small enough for the (num_perm x shingles) array to stay in cache


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's seeded affine permutations (a odd, b) for 32-bit values."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, hashfunc=int).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def fmix32(values: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer, the pre-mix datasketch applies before its permutations."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint32(16))
        values = values * np.uint32(0x85EBCA6B)
        values = values ^ (values >> np.uint32(13))
        values = values * np.uint32(0xC2B2AE35)
        return values ^ (values >> np.uint32(16))


def signatures_of_flat(hashes: np.ndarray, sizes: np.ndarray, perms: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Signatures of documents given as one flat array of shingle hashes and the count per document
    (every count must be positive). Needs no datasketch import, so worker processes start faster."""
    a, b = perms
    out = np.empty((len(sizes), len(a)), dtype=np.uint32)
    ends = np.cumsum(sizes)
    begins = ends - sizes
    doc = 0
    while doc < len(sizes):
        # as many whole documents as fit in one batch (at least one)
        last = max(doc + 1, int(np.searchsorted(ends, begins[doc] + BATCH_SHINGLES, side="right")))
        values = fmix32(hashes[begins[doc]:ends[last - 1]].astype(np.uint32))
        with np.errstate(over="ignore"):
            permuted = a[:, None] * values[None, :]  # (num_perm, shingles): reduceat runs along contiguous rows
            permuted += b[:, None]
        out[doc:last] = np.minimum.reduceat(permuted, begins[doc:last] - begins[doc], axis=1).T
        doc = last
    return out


def signatures_of_hashes(hashed: Sequence[np.ndarray], num_perm: int, seed: int) -> np.ndarray:
    """Signatures from already-hashed shingles (32-bit values), one array per document.

    This is datasketch's MinHash (its seeded affine permutations over 32-bit values after the MurmurHash3
    finalizer, as `MinHash.bulk(..., hashfunc=int)` computes them), applied to many documents in one numpy
    pass instead of one MinHash object per document, whose setup costs more than the hashing itself.
    The signatures are bit-identical to `MinHash.bulk` (tested).
    """
    if not hashed:
        return np.empty((0, num_perm), dtype=np.uint32)
    sizes = np.fromiter((len(h) for h in hashed), dtype=np.int64, count=len(hashed))
    if (sizes == 0).any():
        raise ValueError("every document needs at least one shingle")
    return signatures_of_flat(np.concatenate(hashed), sizes, permutations(num_perm, seed))


# Every candidate is verified against the threshold, so a false positive only costs one comparison while
# a false negative is a missed duplicate: weigh misses far more when choosing the banding.
FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT = 0.1, 0.9


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) from datasketch's optimizer, weighted towards recall."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT)


def band_hashes(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, bands) uint64 bucket keys: each band's rows combined with fixed odd multipliers."""
    rng = np.random.default_rng(20240601)
    multipliers = (rng.integers(1, 2**62, size=rows, dtype=np.uint64) * 2 + 1).astype(np.uint64)
    used = sigs[:, : bands * rows].astype(np.uint64).reshape(len(sigs), bands, rows)
    with np.errstate(over="ignore"):
        keys = (used * multipliers).sum(axis=2, dtype=np.uint64)
        keys ^= np.arange(bands, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return keys


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """Distinct (i, j) index pairs, i < j, that share a bucket in at least one band."""
    pairs = []
    n = len(keys)
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order, band]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, n])
        two = starts[sizes == 2]  # the common case, done for all buckets at once
        if len(two):
            first, second = order[two], order[two + 1]
            pairs.append(np.column_stack([np.minimum(first, second), np.maximum(first, second)]))
        for start, size in zip(starts[sizes > 2], sizes[sizes > 2], strict=True):
            members = np.sort(order[start:start + size])
            if size * (size - 1) // 2 <= MAX_BUCKET_PAIRS:
                i, j = np.triu_indices(size, k=1)
                pairs.append(np.column_stack([members[i], members[j]]))
            else:
                pairs.append(np.column_stack([np.full(size - 1, members[0]), members[1:]]))
                pairs.append(np.column_stack([members[:-1], members[1:]]))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.vstack(pairs).astype(np.int64), axis=0)


def similarity(sigs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Estimated Jaccard of each pair: the share of equal signature positions."""
    if len(pairs) == 0:
        return np.zeros(0)
    return (sigs[pairs[:, 0]] == sigs[pairs[:, 1]]).mean(axis=1)


@dataclass(frozen=True)
class Clusters:
    root: np.ndarray  # per row, the index of its cluster's root (itself when alone)
    pairs: np.ndarray  # verified pairs
    scores: np.ndarray  # their estimated Jaccard


def union_find(n: int, pairs: np.ndarray) -> np.ndarray:
    """Per element, the smallest index in its connected component."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs.tolist():
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def near_duplicate_clusters(sigs: np.ndarray, threshold: float) -> Clusters:
    """Connected components of candidate pairs whose estimated Jaccard reaches the threshold."""
    n, num_perm = sigs.shape
    if n == 0:
        return Clusters(np.zeros(0, dtype=np.int64), np.zeros((0, 2), dtype=np.int64), np.zeros(0))
    bands, rows = lsh_params(threshold, num_perm)
    pairs = candidate_pairs(band_hashes(sigs, bands, rows))
    scores = similarity(sigs, pairs)
    keep = scores >= threshold
    return Clusters(union_find(n, pairs[keep]), pairs[keep], scores[keep])
