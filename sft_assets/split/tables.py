"""Build split assignments from curated examples, their near-duplicate clusters and families, and the
assignments of earlier runs."""

from __future__ import annotations

import pyarrow as pa

from sft_assets.split.assign import Member, assign_splits

ASSIGNMENTS_TABLE = "split_assignments"
ASSIGNMENTS_SCHEMA = pa.schema([("example_id", pa.string()), ("split", pa.string())])


class _Groups:
    """Union-find over example ids, cluster ids and family roots."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group_members(curated: list[dict], clusters: list[dict]) -> list[Member]:
    """Members (curated examples plus earlier members of their clusters) with their group key and stratum."""
    groups = _Groups()
    for row in clusters:
        groups.union("c:" + row["cluster_id"], "e:" + row["example_id"])
    for row in curated:
        groups.find("e:" + row["example_id"])
        if row.get("parent_id"):  # a family: the parent and every example generated from it
            groups.union("f:" + row["parent_id"], "e:" + row["example_id"])
            groups.union("f:" + row["parent_id"], "e:" + row["parent_id"])
    strata = {row["example_id"]: row.get("category") or "" for row in curated}
    ids = set(strata) | {row["example_id"] for row in clusters}
    return [Member(i, groups.find("e:" + i), strata.get(i, ""), i in strata) for i in sorted(ids)]


def updated_assignments(
    curated: list[dict], clusters: list[dict], existing: dict[str, str], ratios: dict[str, float], seed: int
) -> tuple[pa.Table, int]:
    """All assignments (earlier ones kept, including examples no longer present) and how many are new."""
    assigned, _ = assign_splits(group_members(curated, clusters), existing, ratios, seed)
    curated_ids = {row["example_id"] for row in curated}
    fresh = len(curated_ids - existing.keys())
    merged = dict(existing)
    merged.update({k: v for k, v in assigned.items() if k in curated_ids or k in existing})
    ids = sorted(merged)
    return pa.table({"example_id": ids, "split": [merged[i] for i in ids]}, schema=ASSIGNMENTS_SCHEMA), fresh
