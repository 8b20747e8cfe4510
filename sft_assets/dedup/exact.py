"""Exact deduplication on normalized content: keep the first occurrence, record the kept id for the rest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from sft_assets.core.events import Decision
from sft_assets.core.records import normalized_content_hash


@dataclass(frozen=True)
class DedupResult:
    kept: pa.Table  # the input rows that survive, with a norm_hash column, in input order
    dropped: pa.Table  # example_id, source, file, locator, kept_example_id, kept_source, kept_locator


def precedence(examples: pa.Table, source_order: Sequence[str]) -> pa.Table:
    """Rows sorted so that the one to keep comes first: config order of sources, then file, then position."""
    rank = {name: i for i, name in enumerate(source_order)}
    ranks = pa.array([rank.get(s, len(rank)) for s in examples.column("source").to_pylist()], pa.int32())
    ordered = examples.append_column("_rank", ranks).sort_by(
        [("_rank", "ascending"), ("file", "ascending"), ("record_index", "ascending")]
    )
    return ordered.drop_columns(["_rank"])


def norm_hashes(examples: pa.Table) -> list[str]:
    tools = examples.column("tools").to_pylist()
    return [
        normalized_content_hash(orjson.loads(m), orjson.loads(t) if t else None)
        for m, t in zip(examples.column("messages").to_pylist(), tools, strict=True)
    ]


def exact_dedup(examples: pa.Table, source_order: Sequence[str]) -> DedupResult:
    ordered = precedence(examples, source_order)
    hashes = norm_hashes(ordered)
    ordered = ordered.append_column("norm_hash", pa.array(hashes, pa.string()))
    first: dict[str, int] = {}
    keep_mask, kept_of = [], []
    for i, h in enumerate(hashes):
        j = first.setdefault(h, i)
        keep_mask.append(j == i)
        kept_of.append(j)
    keep = pa.array(keep_mask)
    drops = ordered.filter(pc.invert(keep))
    kept_rows = ordered.take(pa.array([j for j, k in zip(kept_of, keep_mask, strict=True) if not k], pa.int64()))
    dropped = pa.table(
        {
            "example_id": drops.column("example_id"),
            "source": drops.column("source"),
            "file": drops.column("file"),
            "locator": drops.column("locator"),
            "kept_example_id": kept_rows.column("example_id"),
            "kept_source": kept_rows.column("source"),
            "kept_locator": kept_rows.column("locator"),
        }
    )
    return DedupResult(kept=ordered.filter(keep), dropped=dropped)


def dropped_decisions(result: DedupResult) -> list[Decision]:
    return [Decision.about(d, "dropped", "exact_duplicate", d["kept_example_id"], None,
                           f"same normalized content as {d['kept_source']} {d['kept_locator']}")
            for d in result.dropped.to_pylist()]
