"""Build the split assignment table from curated examples and the assignments of earlier runs."""

from __future__ import annotations

import pyarrow as pa

from sft_assets.split.assign import assign_splits

ASSIGNMENTS_TABLE = "split_assignments"
ASSIGNMENTS_SCHEMA = pa.schema([("example_id", pa.string()), ("split", pa.string())])


def updated_assignments(
    curated_ids: list[str], existing: dict[str, str], ratios: dict[str, float], seed: int
) -> tuple[pa.Table, int]:
    """All assignments (earlier ones kept, including examples no longer present) and how many are new."""
    splits, fresh = assign_splits(curated_ids, curated_ids, existing, ratios, seed)
    merged = dict(existing)
    merged.update(zip(curated_ids, splits, strict=True))
    ids = sorted(merged)
    table = pa.table({"example_id": ids, "split": [merged[i] for i in ids]}, schema=ASSIGNMENTS_SCHEMA)
    return table, sum(fresh)
