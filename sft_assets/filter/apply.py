"""Run the configured filter rules over examples: the first drop verdict removes an example; flags are kept
on the row (`flags`, `is_refusal`) and logged."""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa

from sft_assets.clean.stage import StageResult
from sft_assets.filter import rules as r
from sft_assets.filter.gates import FilterBatch, rule_gates
from sft_assets.filter.settings import FilterConfig
from sft_assets.row_masks import chosen_per_row

FILTER_COLUMNS = ["example_id", "source", "file", "locator", "messages", "category"]  # what filter_table reads
# Cheap rules first: evaluation stops at the first drop.
ORDER = ("empty_output", "too_few_words", "placeholder", "unseen_content", "media_request", "truncated",
         "empty_code", "refusal", "special_chars", "repetition", "token_length", "language")
CLASSES = {cls.name: cls for cls in r.RULES}


def build_rules(config: FilterConfig) -> list:
    rules = []
    for name in ORDER:
        cfg = getattr(config, name)
        if cfg.action != "off" or getattr(cfg, "mismatch_action", "off") != "off":
            rules.append(CLASSES[name](cfg))
    return rules


def evaluate(view: r.ExampleView, rules: list) -> list[r.Verdict]:
    """Verdicts in rule order, ending at the first drop."""
    verdicts = []
    for rule in rules:
        for verdict in rule.check(view):
            if verdict.action == "off":
                continue
            verdicts.append(verdict)
            if verdict.action == "drop":
                return verdicts
    return verdicts


def filter_table(table: pa.Table, config: FilterConfig, encoding_name: str, gates: bool = True) -> StageResult:
    """Apply the rules to every row: the first drop removes it; flags stay on the row and in the log.

    With `gates`, a rule's Python check runs only on rows its vectorized gate (gates.py) cannot rule out,
    and rows no gate leaves open are never parsed; the outcome is identical.
    """
    rules = build_rules(config)
    result = StageResult(source=table)
    n = table.num_rows
    batch = FilterBatch(table.column("messages")) if gates and n and rules else None
    if batch is not None:
        checked, open_rules = _open_rules(batch, rules)
    else:  # without gates every rule checks every row; with gates but no rows or no rules, nothing to do
        checked = list(range(n)) if not gates and rules else []
        open_rules = [rules] * len(checked)
    keep, flags, refusals = np.ones(n, dtype=bool), [None] * n, [False] * n
    rows = table.select(FILTER_COLUMNS).take(pa.array(checked, pa.int64())).to_pylist() if checked else []
    proses = _reply_proses(batch, checked)
    for i, row, prose, row_rules in zip(checked, rows, proses, open_rules, strict=True):
        view = r.ExampleView(orjson.loads(row["messages"]), row["category"], encoding_name, reply_prose=prose)
        verdicts = evaluate(view, row_rules)
        for v in verdicts:
            result.record(row, "dropped" if v.action == "drop" else "flagged", v.rule, v.value, v.threshold, v.detail)
        if any(v.action == "drop" for v in verdicts):
            keep[i] = False
        elif verdicts:
            names = [v.rule for v in verdicts]
            flags[i], refusals[i] = orjson.dumps(names).decode(), "refusal" in names
    result.kept_rows = kept_rows = np.flatnonzero(keep)
    result.added = {"flags": pa.array([flags[i] for i in kept_rows], pa.string()),
                    "is_refusal": pa.array([refusals[i] for i in kept_rows], pa.bool_())}
    return result


def _open_rules(batch: FilterBatch, rules: list) -> tuple[list[int], list[list]]:
    """The rows some gate leaves open, and for each of them the rules (in order) that may speak."""
    masks = rule_gates(batch, rules)
    stacked = np.stack([masks[rule.name] for rule in rules], axis=1)
    rows = np.flatnonzero(stacked.any(axis=1))
    return rows.tolist(), chosen_per_row(stacked[rows], rules)


def _reply_proses(batch: FilterBatch | None, rows: list[int]) -> list[str | None]:
    """The batch's reply prose for these rows where the gates computed it (None: the view computes it)."""
    if batch is None or not rows or not batch.has("reply_prose"):
        return [None] * len(rows)
    proses = batch.strings("reply_prose", np.asarray(rows))
    return [None if batch.unreadable[i] else prose for i, prose in zip(rows, proses, strict=True)]
