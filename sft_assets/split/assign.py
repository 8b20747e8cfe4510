"""Assign examples to train/val/test: deterministic, stable, leak-free and stratified.

Examples are assigned by group: a near-duplicate cluster or an augmentation family (examples sharing a
parent) always lands in one split. A group that already has a split keeps it, whatever else changes
(new data, new ratios), and a new example joining such a group inherits its split. New groups are placed
per stratum (task category) in seeded-hash order, each into the split furthest below its target share,
so small categories are spread like large ones. Shares count only the examples that are exported: members
of a cluster that were dropped as near duplicates get their cluster's split but weigh nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SPLITS = ("train", "val", "test")


def unit_interval(seed: int, key: str) -> float:
    """A uniform number in [0, 1) fixed by (seed, key)."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class Member:
    example_id: str
    group: str  # group key: examples with the same key share a split
    stratum: str  # task category, or "" when unlabeled
    counted: bool = True  # whether it is exported (counts toward its split's share); a dropped near duplicate is not


def _pick(counts: Mapping[str, float], ratios: Mapping[str, float], size: int) -> str:
    """The split whose count is furthest below its target share after adding this group."""
    total = sum(counts.values()) + size
    return max(SPLITS, key=lambda s: (ratios[s] * total - counts[s], ratios[s], -SPLITS.index(s)))


def assign_splits(
    members: Sequence[Member], existing: Mapping[str, str], ratios: Mapping[str, float], seed: int
) -> tuple[dict[str, str], int]:
    """(split per example id, number of newly assigned examples)."""
    groups: dict[str, list[Member]] = defaultdict(list)
    for m in members:
        groups[m.group].append(m)
    result: dict[str, str] = {}
    counts: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(SPLITS, 0.0))
    new_groups = []
    for key, group in groups.items():
        known = sorted((m.example_id, existing[m.example_id]) for m in group if m.example_id in existing)
        if known:
            split = known[0][1]
            for m in group:
                result[m.example_id] = split
                counts[m.stratum][split] += m.counted
        else:
            new_groups.append((unit_interval(seed, key), key, group))
    fresh = 0
    for _, _, group in sorted(new_groups):
        stratum = next((m.stratum for m in group if m.stratum), "")
        split = _pick(counts[stratum], ratios, sum(m.counted for m in group))
        for m in group:
            result[m.example_id] = split
            counts[stratum][split] += m.counted
            fresh += 1
    return result, fresh
