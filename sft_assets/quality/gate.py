"""Great Expectations suites that gate the splits. Imported only by the checks that validate, because
`import great_expectations` costs seconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

MAX_IDS_SHOWN = 10


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str
    success: bool
    unexpected_count: int
    example_ids: list[str] = field(default_factory=list)  # values of the suite's index column
    rule: str = ""  # the expectation's meta["rule"], when it has one


@dataclass(frozen=True)
class GateOutcome:
    suite: str
    rows: int
    outcomes: list[ExpectationOutcome]

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def format_expectations(max_tokens: int) -> list[tuple[str, dict[str, Any]]]:
    """The format suite: every example is a well-formed chat conversation that fits the context."""
    return [
        ("ExpectColumnValuesToNotBeNull", {"column": "example_id"}),
        ("ExpectColumnValuesToBeUnique", {"column": "example_id"}),
        ("ExpectColumnValuesToNotBeNull", {"column": "messages"}),
        ("ExpectColumnValuesToBeBetween", {"column": "n_user", "min_value": 1}),
        ("ExpectColumnValuesToBeBetween", {"column": "n_assistant", "min_value": 1}),
        ("ExpectColumnValuesToBeInSet", {"column": "first_role", "value_set": ["user"]}),
        ("ExpectColumnValuesToBeInSet", {"column": "last_role", "value_set": ["assistant"]}),
        ("ExpectColumnValuesToBeBetween", {"column": "cookbook_errors", "max_value": 0}),
        ("ExpectColumnValuesToBeBetween", {"column": "n_tokens", "min_value": 1, "max_value": max_tokens}),
    ]


def pandas_frame(table) -> pd.DataFrame:
    """An Arrow table as pandas with Arrow-backed strings: several times faster to build and to validate
    than Python string objects at a million rows."""
    import pyarrow as pa

    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)


def run_suite(name: str, frame: pd.DataFrame, expectations: list[tuple[str, dict[str, Any]]],
              index: str = "example_id") -> GateOutcome:
    """Validate a pandas frame (read from DuckDB) against a suite; failing rows are named by `index`."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # no analytics (no network at run time) and no progress bars, set on the context rather than the process
    project = DataContextConfig(analytics_enabled=False, store_backend_defaults=InMemoryStoreBackendDefaults(),
                                progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False))
    context = gx.get_context(mode="ephemeral", project_config=project)
    batch_definition = (
        context.data_sources.add_pandas("sft_assets")
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("all_rows")
    )
    suite = gx.ExpectationSuite(name=name)
    for kind, kwargs in expectations:
        suite.add_expectation(getattr(gx.expectations, kind)(**kwargs))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [index]}
    )
    outcomes = []
    for r in result.results:
        ids = [str(row.get(index)) for row in (r.result.get("unexpected_index_list") or [])]
        outcomes.append(
            ExpectationOutcome(
                expectation=r.expectation_config.type,
                column=str(r.expectation_config.kwargs.get("column")),
                success=bool(r.success),
                unexpected_count=int(r.result.get("unexpected_count") or 0),
                example_ids=sorted(set(ids))[:MAX_IDS_SHOWN],
                rule=str((r.expectation_config.meta or {}).get("rule", "")),
            )
        )
    return GateOutcome(suite=name, rows=len(frame), outcomes=outcomes)


def share_expectations(rules: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """Over an aggregate frame (key, rule, share, min, max): per rule, every group's share within bounds."""
    out = []
    for rule in rules:
        condition = {"row_condition": f'rule=="{rule}"', "condition_parser": "pandas", "meta": {"rule": rule}}
        out.append(("ExpectColumnValuesToBeBetween", {"column": "above_min", "min_value": -1e-9, **condition}))
        out.append(("ExpectColumnValuesToBeBetween", {"column": "below_max", "min_value": -1e-9, **condition}))
    return out


def duplication_expectations() -> list[tuple[str, dict[str, Any]]]:
    """Over the table feeding the splits: no exact duplicate, no example an eval set contaminates."""
    return [
        ("ExpectColumnValuesToBeUnique", {"column": "norm_hash", "meta": {"rule": "exact_duplicates"}}),
        ("ExpectColumnValuesToBeInSet", {"column": "contaminated", "value_set": [False],
                                         "meta": {"rule": "decontamination_hits"}}),
    ]
