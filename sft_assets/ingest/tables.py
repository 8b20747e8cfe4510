"""Arrow schemas of the ingest tables (`examples`, `quarantine`): the columns users and dbt depend on."""

from __future__ import annotations

import pyarrow as pa

EXAMPLES_SCHEMA = pa.schema(
    [
        ("example_id", pa.string()),  # content hash of the canonical conversation
        ("source", pa.string()),
        ("file", pa.string()),  # path relative to data_root
        ("locator", pa.string()),  # "line N" / "item N" / "row N" (1-based)
        ("record_index", pa.int64()),
        ("source_format", pa.string()),
        ("origin", pa.string()),  # human / synthetic / augmented
        ("parent_id", pa.string()),
        ("category", pa.string()),
        ("n_messages", pa.int32()),
        ("messages", pa.string()),  # canonical JSON list of OpenAI chat messages
        ("tools", pa.string()),  # canonical JSON list of tool definitions, or null
        ("meta", pa.string()),  # unknown source fields, JSON object, or null
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("file", pa.string()),
        ("locator", pa.string()),
        ("record_index", pa.int64()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("raw", pa.string()),  # the row's full text (invalid bytes shown as \xNN escapes)
    ]
)


def empty_table(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()
