"""`record_events`: the append-only decision log, one row per (example, stage, decision)."""

from __future__ import annotations

import pyarrow as pa

EVENTS_TABLE = "record_events"
DECISIONS = ("kept", "dropped", "modified", "flagged")
EVENTS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("stage", pa.string()),
        ("example_id", pa.string()),
        ("source", pa.string()),
        ("file", pa.string()),
        ("locator", pa.string()),
        ("decision", pa.string()),
        ("rule", pa.string()),
        ("value", pa.string()),  # the measured value (or the id this one duplicates)
        ("threshold", pa.string()),
        ("detail", pa.string()),
    ]
)


EventRow = tuple[str, str, str, str, str, str, str | None, str | None, str | None]
# (example_id, source, file, locator, decision, rule, value, threshold, detail)


def events_from_rows(run_id: str, stage: str, rows: list[EventRow]) -> pa.Table:
    unknown = {row[4] for row in rows} - set(DECISIONS)
    if unknown:
        raise ValueError(f"unknown decision(s) {sorted(unknown)}; expected one of {DECISIONS}")
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(9)]
    names = ("example_id", "source", "file", "locator", "decision", "rule", "value", "threshold", "detail")
    data = {"run_id": [run_id] * len(rows), "stage": [stage] * len(rows)}
    data.update({name: list(col) for name, col in zip(names, columns, strict=True)})
    return pa.Table.from_pydict(data, schema=EVENTS_SCHEMA)
