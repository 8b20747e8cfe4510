"""`sft-assets validate`: a format report for any dataset file, without the pipeline.

Reports the OpenAI fine-tuning cookbook's error counts, this project's quarantine reason counts, token
statistics per example and for assistant tokens, the count over the length limit and the tokens billed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from sft_assets.ingest.containers import iter_rows, load_file
from sft_assets.ingest.formats import CONVERTERS, ConvertOptions
from sft_assets.ingest.ingest_file import FileTask, ingest_file
from sft_assets.ingest.reasons import RecordError
from sft_assets.quality.format_rules import COOKBOOK_KEYS, cookbook_errors
from sft_assets.quality.tokens import count_message_tokens

# How the fine-tuning service picks a default epoch count from the dataset size.
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES, MAX_TARGET_EXAMPLES = 100, 25_000
MIN_DEFAULT_EPOCHS, MAX_DEFAULT_EPOCHS = 1, 25


def default_epochs(n_examples: int) -> int:
    if n_examples == 0:
        return TARGET_EPOCHS
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


def distribution(values: list[int]) -> dict[str, float]:
    if not values:
        return {}
    arr = np.asarray(values)
    return {
        "min": int(arr.min()),
        "max": int(arr.max()),
        "mean": round(float(arr.mean()), 1),
        "median": float(np.median(arr)),
        "p10": float(np.quantile(arr, 0.1)),
        "p90": float(np.quantile(arr, 0.9)),
    }


@dataclass
class FileReport:
    path: str
    format: str | None
    rows_read: int
    examples: int
    cookbook: dict[str, int]
    reasons: dict[str, int]
    tokens: dict[str, float]
    assistant_tokens: dict[str, float]
    over_max_tokens: int
    max_tokens: int
    epochs: int
    billed_tokens: int
    estimated_cost_usd: float
    first_errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(self.cookbook.values()) + sum(self.reasons.values())

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "error_count": self.error_count}


def _cookbook_counts(task: FileTask, fmt: str | None) -> Counter[str]:
    """Cookbook errors on the raw records (OpenAI files) or on the converted ones (other formats)."""
    notes, data = load_file(task.path, task.container)
    counts: Counter[str] = Counter({k: 0 for k in COOKBOOK_KEYS})
    convert = CONVERTERS.get(fmt) if fmt else None
    for _, value, error, _ in iter_rows(notes, data, max_record_bytes=task.max_record_bytes):
        if error is not None:
            continue
        if fmt == "openai":
            record = {"messages": value} if isinstance(value, list) else value
            counts.update(cookbook_errors(record))
        elif convert is not None:
            try:
                counts.update(cookbook_errors(convert(value, ConvertOptions()).payload()))
            except RecordError:
                continue
    return counts


def validate_file(
    path: Path,
    *,
    fmt: str = "auto",
    max_record_bytes: int = 1_000_000,
    encoding_name: str = "cl100k_base",
    max_tokens: int = 16385,
    epochs: int | None = None,
    usd_per_million: float = 8.0,
) -> FileReport:
    task = FileTask(source="validate", path=path, file=str(path), format=fmt, max_record_bytes=max_record_bytes)
    result = ingest_file(task)
    totals, assistant = [], []
    for messages_json in result.examples.column("messages").to_pylist():
        n, a = count_message_tokens(orjson.loads(messages_json), encoding_name)
        totals.append(n)
        assistant.append(a)
    n_epochs = epochs or default_epochs(len(totals))
    billed = sum(min(max_tokens, n) for n in totals) * n_epochs
    errors = result.quarantine.slice(0, 5).to_pylist()
    return FileReport(
        path=str(path),
        format=result.format,
        rows_read=result.rows_read,
        examples=result.n_examples,
        cookbook=dict(_cookbook_counts(task, result.format)),
        reasons=dict(sorted(result.reasons().items())),
        tokens=distribution(totals),
        assistant_tokens=distribution(assistant),
        over_max_tokens=sum(1 for n in totals if n > max_tokens),
        max_tokens=max_tokens,
        epochs=n_epochs,
        billed_tokens=billed,
        estimated_cost_usd=round(billed * usd_per_million / 1_000_000, 4),
        first_errors=[{"locator": e["locator"], "reason": e["reason"], "detail": e["detail"]} for e in errors],
    )


def render(report: FileReport) -> str:
    lines = [
        f"{report.path}",
        f"  format: {report.format or 'unrecognized'}   rows read: {report.rows_read}   "
        f"valid examples: {report.examples}   errors: {report.error_count}",
        "  cookbook format errors:",
        *[f"    {k:36s} {report.cookbook.get(k, 0)}" for k in COOKBOOK_KEYS],
        "  sft-assets reasons:" + ("" if report.reasons else " none"),
        *[f"    {k:36s} {v}" for k, v in report.reasons.items()],
    ]
    for label, stats in (("tokens per example", report.tokens), ("assistant tokens per example", report.assistant_tokens)):
        if stats:
            lines.append(f"  {label}: " + ", ".join(f"{k} {v:g}" for k, v in stats.items()))
    lines += [
        f"  examples over max_tokens ({report.max_tokens}): {report.over_max_tokens}",
        f"  billed tokens for {report.epochs} epochs: {report.billed_tokens} "
        f"(~${report.estimated_cost_usd:.2f})",
    ]
    if report.first_errors:
        lines.append("  first errors:")
        lines += [f"    {e['locator']}: {e['reason']}: {e['detail']}" for e in report.first_errors]
    return "\n".join(lines)
