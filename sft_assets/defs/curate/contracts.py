"""Typed DataFrame contracts (dagster-pandas) for the frames the gates validate: the columns a suite reads
must exist with the right types before its expectations mean anything."""

from __future__ import annotations

from dagster_pandas import PandasColumn, create_dagster_pandas_dataframe_type

COLUMNS = [
    PandasColumn.string_column("example_id", non_nullable=True, unique=True),
    PandasColumn.string_column("messages", non_nullable=True),
    PandasColumn.integer_column("n_user", non_nullable=True),
    PandasColumn.integer_column("n_assistant", non_nullable=True),
    PandasColumn.string_column("first_role"),
    PandasColumn.string_column("last_role"),
    PandasColumn.integer_column("cookbook_errors", non_nullable=True),
    PandasColumn.integer_column("n_tokens", non_nullable=True),
]
FORMAT_GATE_COLUMNS = tuple(column.name for column in COLUMNS)  # all the format gate reads
CuratedFrame = create_dagster_pandas_dataframe_type(
    name="CuratedFrame",
    description="The curated table as the format gate reads it: one row per example with its format measurements.",
    columns=COLUMNS,
)
