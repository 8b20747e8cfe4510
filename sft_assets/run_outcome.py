"""What one Dagster run of the pipeline did: assets refreshed, checks passed, failed or never run, steps
that failed and why (the cause, with the file when a step names one). Read by `sft-assets run`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunOutcome:
    materialized: set[str] = field(default_factory=set)
    passed_checks: list[Any] = field(default_factory=list)
    failed_checks: list[Any] = field(default_factory=list)
    not_run_checks: list[str] = field(default_factory=list)
    failed_steps: list[tuple[str, str]] = field(default_factory=list)  # (step, cause)

    @classmethod
    def of(cls, result: Any, expected_checks: Iterable[Any]) -> RunOutcome:
        outcome = cls()
        evaluated = set()
        for event in result.all_events:
            kind = event.event_type_value
            if kind == "ASSET_MATERIALIZATION":
                outcome.materialized.add(event.event_specific_data.materialization.asset_key.to_user_string())
            elif kind == "ASSET_CHECK_EVALUATION":
                check = event.asset_check_evaluation_data
                evaluated.add(f"{check.asset_key.to_user_string()}:{check.check_name}")
                (outcome.passed_checks if check.passed else outcome.failed_checks).append(check)
            elif kind == "STEP_FAILURE":
                error = event.event_specific_data.error
                if error is not None and error.cls_name == "DagsterAssetCheckFailedError":
                    continue  # a blocking check that failed: reported with its metadata as a failed gate
                outcome.failed_steps.append((event.step_key, root_cause(error)))
        expected = sorted(f"{key.asset_key.to_user_string()}:{key.name}" for key in expected_checks)
        outcome.not_run_checks = [name for name in expected if name not in evaluated]
        return outcome

    def render_checks(self) -> str:
        line = f"Checks:   {len(self.passed_checks)} passed, {len(self.failed_checks)} failed"
        if self.not_run_checks:
            per_asset: dict[str, int] = {}
            for name in self.not_run_checks:
                asset = name.split(":", 1)[0]
                per_asset[asset] = per_asset.get(asset, 0) + 1
            shown = ", ".join(f"{asset} {n}" for asset, n in per_asset.items())
            line += f", {len(self.not_run_checks)} did not run (checks per asset: {shown})"
        return line

    def render_failures(self) -> list[str]:
        lines = [f"STEP FAILED: {step}: {cause}" for step, cause in self.failed_steps]
        for check in self.failed_checks:
            lines.append(f"GATE FAILED: {check.asset_key.to_user_string()}:{check.check_name} "
                         f"{json.dumps({k: v.value for k, v in check.metadata.items()}, default=str)}")
        return lines


def root_cause(error: Any) -> str:
    """The innermost error's class and message (Dagster wraps the user's exception in its own)."""
    if error is None:
        return "unknown error"
    while getattr(error, "cause", None) is not None:
        error = error.cause
    message = (error.message or "").strip()
    return message.splitlines()[-1] if message else error.cls_name or "unknown error"
