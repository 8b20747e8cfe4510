"""Per-example format measurements (turn counts, roles, tokens) that the format gate validates."""

from __future__ import annotations

import dataclasses

import orjson
import pyarrow as pa

from sft_assets.quality.format_rules import ExampleFormat, example_format

FORMAT_COLUMNS = [(f.name, pa.string() if f.type == "str" else pa.int64()) for f in dataclasses.fields(ExampleFormat)]


def with_format_columns(examples: pa.Table, encoding_name: str) -> pa.Table:
    """The examples with one column per ExampleFormat field appended."""
    measured = [example_format(orjson.loads(m), encoding_name) for m in examples.column("messages").to_pylist()]
    out = examples
    for name, kind in FORMAT_COLUMNS:
        out = out.append_column(name, pa.array([getattr(x, name) for x in measured], kind))
    return out
