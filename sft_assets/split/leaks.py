"""Leak checks across splits: no near-duplicate cluster, augmentation family or exact duplicate in two splits."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class LeakReport:
    clusters_across_splits: list[str] = field(default_factory=list)
    families_across_splits: list[str] = field(default_factory=list)
    duplicates_across_splits: list[str] = field(default_factory=list)  # normalized-content hashes

    @property
    def clean(self) -> bool:
        return not (self.clusters_across_splits or self.families_across_splits or self.duplicates_across_splits)


def _straddling(pairs: list[tuple[str, str]]) -> list[str]:
    seen: dict[str, set[str]] = defaultdict(set)
    for key, split in pairs:
        if key:
            seen[key].add(split)
    return sorted(k for k, splits in seen.items() if len(splits) > 1)


def find_leaks(rows: list[dict], clusters: list[dict]) -> LeakReport:
    """rows: example_id, split, parent_id, norm_hash of every split example; clusters: example_id, cluster_id."""
    cluster_of = {c["example_id"]: c["cluster_id"] for c in clusters}
    parents = {r["parent_id"] for r in rows if r.get("parent_id")}
    return LeakReport(
        clusters_across_splits=_straddling([(cluster_of.get(r["example_id"], ""), r["split"]) for r in rows]),
        # a family is a parent and every example generated from it
        families_across_splits=_straddling([(r.get("parent_id") or "", r["split"]) for r in rows]
                                           + [(r["example_id"], r["split"]) for r in rows if r["example_id"] in parents]),
        duplicates_across_splits=_straddling([(r.get("norm_hash") or "", r["split"]) for r in rows]),
    )
