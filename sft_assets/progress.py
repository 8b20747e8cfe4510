"""A Dagster logger that prints one terse line per step event, for the headless CLI run."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, TextIO

import dagster as dg

SHOWN = {
    "STEP_START": "started",
    "ASSET_MATERIALIZATION": "materialized",
    "ASSET_CHECK_EVALUATION": "check",
    "STEP_FAILURE": "FAILED",
    "STEP_SKIPPED": "skipped",
}


class ProgressHandler(logging.Handler):
    def __init__(self, stream: TextIO) -> None:
        super().__init__(logging.DEBUG)
        self.stream = stream
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        meta: Any = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event") if isinstance(meta, dict) else None
        if event is None or event.event_type_value not in SHOWN:
            return
        self.stream.write(f"[{time.monotonic() - self.started:6.1f}s] {self._describe(event)}\n")
        self.stream.flush()

    @staticmethod
    def _describe(event: Any) -> str:
        kind = event.event_type_value
        label = SHOWN[kind]
        if kind == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            rows = materialization.metadata.get("dagster/row_count")
            count = f" ({rows.value} rows)" if rows is not None else ""
            return f"{label:12s} {materialization.asset_key.to_user_string()}{count}"
        if kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            verdict = "passed" if evaluation.passed else f"FAILED ({evaluation.severity.value})"
            return f"{label:12s} {evaluation.asset_key.to_user_string()}:{evaluation.check_name} {verdict}"
        if kind == "STEP_FAILURE":
            error = event.event_specific_data.error
            message = error.message.strip().splitlines()[0] if error else ""
            return f"{label:12s} {event.step_key}: {message}"
        return f"{label:12s} {event.step_key}"


@dg.logger(description="One line per step start, materialization, check and failure (used by `sft-assets run`).")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("sft_assets.progress", level=logging.DEBUG)
    logger.addHandler(ProgressHandler(sys.stderr))
    return logger
