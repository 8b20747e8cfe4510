"""Small renderers for asset metadata and CLI output: markdown tables and text previews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

PREVIEW_CHARS = 80


def value_counts(table: pa.Table, column: str) -> dict[str, int]:
    """Counts of each value of a column, most common first (ties by value)."""
    if table.num_rows == 0:
        return {}
    counted = pc.value_counts(table.column(column)).to_pylist()
    pairs = sorted(((str(c["values"]), int(c["counts"])) for c in counted), key=lambda kv: (-kv[1], kv[0]))
    return dict(pairs)


def shorten(value: Any, limit: int = PREVIEW_CHARS) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A GitHub-style markdown table; cell text is shortened and pipes escaped."""
    if not rows:
        return "_(no rows)_"
    columns = list(columns or rows[0].keys())
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [shorten(row.get(c)).replace("|", "\\|") for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def counts_table(counts: Mapping[str, int], key: str = "reason", value: str = "count") -> str:
    rows = [{key: k, value: v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return markdown_table(rows, [key, value])


def decisions_table(counts: Mapping[str, int], samples: Mapping[str, Sequence[str]]) -> str:
    """One row per (decision, rule): how many examples, and a few example ids to look at."""
    rows = []
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        decision, rule = key.split(":", 1)
        rows.append({"rule": rule, "decision": decision, "examples": n, "example_ids": ", ".join(samples.get(key, []))})
    return markdown_table(rows, ["rule", "decision", "examples", "example_ids"])
