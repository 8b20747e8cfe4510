"""Assign examples to train/val/test deterministically and stably.

A new example's split comes from a seeded hash of its group key (today the example id; near-dup clusters
and augmentation families will share a key), so it never depends on which other examples exist. An
example that already has a split keeps it, even when ratios change later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

SPLITS = ("train", "val", "test")


def unit_interval(seed: int, key: str) -> float:
    """A uniform number in [0, 1) fixed by (seed, key)."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_for(seed: int, key: str, ratios: Mapping[str, float]) -> str:
    u = unit_interval(seed, key)
    edge = 0.0
    for name in SPLITS:
        edge += ratios[name]
        if u < edge:
            return name
    return next(name for name in reversed(SPLITS) if ratios[name] > 0)


def assign_splits(
    example_ids: Sequence[str],
    group_keys: Sequence[str],
    existing: Mapping[str, str],
    ratios: Mapping[str, float],
    seed: int,
) -> tuple[list[str], list[bool]]:
    """(split per example, whether it was newly assigned) in input order."""
    splits, fresh = [], []
    for example_id, key in zip(example_ids, group_keys, strict=True):
        known = existing.get(example_id)
        splits.append(known or split_for(seed, key, ratios))
        fresh.append(known is None)
    return splits, fresh
