"""Code requests answered with an empty code block (drop) or with no code at all (flagged as no_code)."""

from __future__ import annotations

import re

import numpy as np
from pydantic import Field

from sft_assets.core.segments import FENCE_LINE, segments
from sft_assets.filter.batch import FilterBatch, hint, re2
from sft_assets.filter.rules.base import Action, ExampleView, Rule, RuleSettings, Verdict

CODE_REQUEST = re.compile(
    r"(?i)\b(?:write|implement|create|give me|show me|generate|complete)\b[^.?!\n]{0,40}?\b(?:(?:python|java|javascript|"
    r"c\+\+|sql|bash|shell|rust|go|ruby|php)\s+(?:code|function|program|script|class|query|snippet)|code snippet|"
    r"function (?:that|which|to)|program (?:that|which|to)|sql query|regular expression|regex)\b"
    r"|(?:编写|写一个|写个|实现|给出)[^。？！\n]{0,20}?(?:代码|函数|程序|脚本|算法)"
)
CODE_HINT = re.compile(r"code|function|program|script|query|regex|regular expression|代码|函数|程序|脚本|算法")
CODE_SIGNS = re.compile(r"```|^\s{4}\S|\bdef |\bfunction\b|\breturn\b|[;{}]|=>|\bSELECT\b|\bimport\b|\bclass\b", re.M)


class EmptyCodeSettings(RuleSettings):
    """Args:
        action: for an empty code block, "drop" (default), "flag" or "off".
        min_code_chars: a code block with fewer characters (fence lines excluded) is empty.
        no_code_action: for a code request answered without any code, "flag" (default), "drop" or "off".
    """

    min_code_chars: int = Field(default=10, ge=0)
    no_code_action: Action = "flag"


class EmptyCode(Rule[EmptyCodeSettings]):
    name = "empty_code"
    reasons = ("empty_code", "no_code")
    settings_class = EmptyCodeSettings
    hints = {"user": (hint(CODE_HINT),)}

    def check(self, ex: ExampleView) -> Verdict | None:
        c = self.settings
        if not CODE_HINT.search(ex.user_lower) or not CODE_REQUEST.search(ex.user):
            return None
        blocks = [piece for is_code, piece in segments(ex.reply) if is_code]
        if blocks:
            body = max(len("".join(ln for ln in b.splitlines(keepends=True) if not FENCE_LINE.match(ln)).strip())
                       for b in blocks)
            if body < c.min_code_chars:
                return self.verdict("empty_code", str(body), f">={c.min_code_chars}", "the code block in the reply is empty")
            return None
        if c.no_code_action != "off" and not CODE_SIGNS.search(ex.reply):
            return self.verdict("no_code", "0", None, "a code request answered without code", action=c.no_code_action)
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        return batch.matches("user", re2(CODE_REQUEST), where=batch.matches("user", hint(CODE_HINT)))
