"""Run the configured filter rules over a table of examples: the first drop verdict removes an example;
flags are kept on the row (`flags`, `is_refusal`) and logged."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import orjson
import pyarrow as pa

from sft_assets.filter.batch import FilterBatch
from sft_assets.filter.registry import RULES
from sft_assets.filter.rules.base import ExampleView, Rule, Verdict
from sft_assets.filter.settings import FilterConfig
from sft_assets.core.row_masks import chosen_per_row
from sft_assets.rowstage.result import StageResult

FILTER_COLUMNS = ["example_id", "source", "file", "locator", "messages", "category"]  # what filter_table reads


def build_rules(config: FilterConfig) -> list[Rule]:
    """The enabled rules, in registry order, each with its settings."""
    rules = [rule_class(config.of(rule_class.name)) for rule_class in RULES]
    return [rule for rule in rules if rule.settings.enabled()]


def hint_groups(rules: Sequence[Rule]) -> dict[str, tuple[str, ...]]:
    """Per batch text, the patterns the rules' pre-filters search in it."""
    groups: dict[str, tuple[str, ...]] = {}
    for rule in rules:
        for name, patterns in rule.hints.items():
            groups[name] = groups.get(name, ()) + tuple(p for p in patterns if p not in groups.get(name, ()))
    return groups


def evaluate(view: ExampleView, rules: Sequence[Rule]) -> list[Verdict]:
    """Verdicts in rule order, ending at the first drop."""
    verdicts = []
    for rule in rules:
        verdict = rule.check(view)
        if verdict is None or verdict.action == "off":
            continue
        verdicts.append(verdict)
        if verdict.action == "drop":
            break
    return verdicts


def filter_table(table: pa.Table, config: FilterConfig, encoding_name: str, pre_filter: bool = True) -> StageResult:
    """Apply the rules to every row: the first drop removes it; flags stay on the row and in the log.

    With `pre_filter`, a rule's Python check runs only on rows its `may_fire` cannot rule out, and rows no
    rule leaves open are never parsed; the outcome is identical.
    """
    rules = build_rules(config)
    result = StageResult(source=table)
    n = table.num_rows
    batch = FilterBatch(table.column("messages"), hint_groups(rules)) if pre_filter and n and rules else None
    if batch is not None:
        checked, open_rules = _open_rules(batch, rules)
    else:  # without pre-filters every rule checks every row; with them but no rows or no rules, nothing to do
        checked = list(range(n)) if not pre_filter and rules else []
        open_rules = [rules] * len(checked)
    known = batch.known_languages if batch is not None else {}
    keep, flags, refusals = np.ones(n, dtype=bool), [None] * n, [False] * n
    rows = table.select(FILTER_COLUMNS).take(pa.array(checked, pa.int64())).to_pylist() if checked else []
    proses = _reply_proses(batch, checked)
    for i, row, prose, row_rules in zip(checked, rows, proses, open_rules, strict=True):
        view = ExampleView(orjson.loads(row["messages"]), row["category"], encoding_name, reply_prose=prose,
                           known_languages=known)
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


def rule_masks(batch: FilterBatch, rules: Sequence[Rule]) -> dict[str, np.ndarray]:
    """For each rule, a bool per row: True where the rule may return a verdict. Rows the batch could not
    read, and rows with characters whose case folds RE2 does not share, are open for every rule."""
    if not batch.rows:
        return {rule.name: np.zeros(0, dtype=bool) for rule in rules}
    return {rule.name: rule.may_fire(batch) | batch.fold_hazard | batch.unreadable for rule in rules}


def _open_rules(batch: FilterBatch, rules: list[Rule]) -> tuple[list[int], list[list[Rule]]]:
    """The rows some pre-filter leaves open, and for each of them the rules (in order) that may speak."""
    masks = rule_masks(batch, rules)
    stacked = np.stack([masks[rule.name] for rule in rules], axis=1)
    rows = np.flatnonzero(stacked.any(axis=1))
    return rows.tolist(), chosen_per_row(stacked[rows], rules)


def _reply_proses(batch: FilterBatch | None, rows: list[int]) -> list[str | None]:
    """The batch's reply prose for these rows where the pre-filters computed it (None: the view computes it)."""
    if batch is None or not rows or not batch.has("reply_prose"):
        return [None] * len(rows)
    proses = batch.strings("reply_prose", np.asarray(rows))
    return [None if batch.unreadable[i] else prose for i, prose in zip(rows, proses, strict=True)]


# One conversation that sets off every filter pre-filter: loading it once loads every table and kernel.
WARM_UP_MESSAGES = [
    {"role": "system", "content": "You are helpful.  \n\n\n\n"},
    {"role": "user", "content": "Summarize https://example.com/a.png and draw an image; write python code for it\n\nN/A"},
    {"role": "assistant", "content": (
        "<p>Caf\u00c3\u00a9 &amp; co</p>\nFollow us on Twitter\n```python\nprint(1)\n```\n"
        "As an AI I cannot {{name}} [INSERT date] repeat repeat repeat repeat repeat")},
]


def warm_up(encoding_name: str) -> None:
    """Load what filter_table uses (compiled kernels, character tables, the language model, the tokenizer)."""
    from sft_assets.filter import langid
    from sft_assets.quality.tokens import token_counter

    rules = build_rules(FilterConfig())
    rule_masks(FilterBatch(pa.array([orjson.dumps(WARM_UP_MESSAGES).decode()]), hint_groups(rules)), rules)
    langid.decide_many(["Der Himmel ist heute sehr blau und die Sonne scheint."], 0.9)
    token_counter(encoding_name)("warm")
