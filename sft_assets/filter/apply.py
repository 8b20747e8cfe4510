"""Run the configured filter rules over examples: the first drop verdict removes an example; flags are kept
on the row (`flags`, `is_refusal`) and logged."""

from __future__ import annotations

import orjson
import pyarrow as pa

from sft_assets.clean.stage import StageResult
from sft_assets.filter import rules as r
from sft_assets.filter.settings import FilterConfig

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


def filter_table(table: pa.Table, config: FilterConfig, encoding_name: str) -> StageResult:
    """Apply the rules to every row: the first drop removes it; flags stay on the row and in the log."""
    rules = build_rules(config)
    result = StageResult(kept=table)
    keep, flags, refusals = [], [], []
    columns = table.select(["example_id", "source", "file", "locator", "messages", "category"]).to_pylist()
    for row in columns:
        view = r.ExampleView(orjson.loads(row["messages"]), row["category"], encoding_name)
        verdicts = evaluate(view, rules)
        for v in verdicts:
            result.record(row, "dropped" if v.action == "drop" else "flagged", v.rule, v.value, v.threshold, v.detail)
        dropped = any(v.action == "drop" for v in verdicts)
        keep.append(not dropped)
        if not dropped:
            names = [v.rule for v in verdicts]
            flags.append(orjson.dumps(names).decode() if names else None)
            refusals.append("refusal" in names)
    kept = table.filter(pa.array(keep, pa.bool_())) if table.num_rows else table
    result.kept = kept.append_column("flags", pa.array(flags, pa.string())).append_column(
        "is_refusal", pa.array(refusals, pa.bool_())
    )
    return result
