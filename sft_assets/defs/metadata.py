"""Materialization metadata every table asset reports: row count, column schema, decisions per rule."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pyarrow as pa

from sft_assets.reporting import decisions_table
from sft_assets.rowstage.result import StageResult


def table_metadata(table: pa.Table | pa.Schema, rows: int | None = None) -> dict[str, Any]:
    """dagster/row_count and dagster/column_schema (so the UI shows the table's columns and types)."""
    schema = table if isinstance(table, pa.Schema) else table.schema
    count = rows if rows is not None else table.num_rows  # type: ignore[union-attr]
    columns = [dg.TableColumn(name=field.name, type=str(field.type)) for field in schema]
    return {"dagster/row_count": count, "dagster/column_schema": dg.TableSchema(columns=columns)}


def stage_metadata(result: StageResult, rows_in: int) -> dict[str, Any]:
    """A row stage's kept table, input size, examples per decision and the per-rule table."""
    decided = {k.split(":", 1)[0] for k in result.counts}
    return {
        **table_metadata(result.kept),
        "input": rows_in,
        **{f"examples_{d}": sum(v for k, v in result.counts.items() if k.startswith(d + ":")) for d in sorted(decided)},
        "per_rule": dg.MetadataValue.md(decisions_table(result.counts, result.samples)),
        "decisions_logged": len(result.decisions),
    }
