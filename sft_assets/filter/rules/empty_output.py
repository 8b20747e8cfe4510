"""A turn that is empty after cleaning, or an assistant reply that is only a placeholder (<nooutput>, N/A)."""

from __future__ import annotations

import re

import numpy as np

from sft_assets.filter.batch import FilterBatch, re2
from sft_assets.filter.rules.base import ExampleView, Rule, RuleSettings, Verdict

PLACEHOLDER_OUTPUTS = re.compile(
    r"^\W*(?:<\s*no\s*_?output\s*>|n/?a|none|null|nil|no output|not applicable|tbd|todo|无|暂无|没有|空)\W*$", re.I
)


class EmptyOutputSettings(RuleSettings):
    """Args:
        action: "drop" (default), "flag" or "off".
    """


class EmptyOutput(Rule[EmptyOutputSettings]):
    name = "empty_output"
    reasons = ("empty_turn", "placeholder_output")
    settings_class = EmptyOutputSettings
    hints = {"reply": (re2(PLACEHOLDER_OUTPUTS),)}  # anchored at the start: a quick pass

    def check(self, ex: ExampleView) -> Verdict | None:
        index = ex.empty_turn
        if index is not None:
            role = ex.messages[index]["role"]
            return self.verdict("empty_turn", "0", ">0", f"message {index} ({role}) is empty")
        if PLACEHOLDER_OUTPUTS.match(ex.reply.strip()):
            return self.verdict("placeholder_output", ex.reply.strip()[:20], None, "the reply is a placeholder")
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        return batch.blank_turn | batch.matches("reply", re2(PLACEHOLDER_OUTPUTS))
