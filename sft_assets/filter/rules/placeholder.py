"""Template placeholders left in a message: {{name}}, [INSERT ...], <PLACEHOLDER>, 【插入…】."""

from __future__ import annotations

import re

import numpy as np

from sft_assets.core.segments import prose_only
from sft_assets.filter.batch import FENCE, FilterBatch, re2
from sft_assets.filter.rules.base import ExampleView, Rule, RuleSettings, Verdict

PLACEHOLDER = re.compile(r"\{\{\s*[\w.\- ]+\s*\}\}|\[\s*(?:INSERT|PLACEHOLDER|ADD|TODO)\b[^\]]*\]|<\s*(?:INSERT|PLACEHOLDER)\b[^>]*>|【\s*(?:插入|填写)[^】]*】", re.I)
# An opener of a PLACEHOLDER alternative followed, without its closer, by a fence: a superset of "the
# pattern's text spans the place where prose_only cut a fenced block out".
OPENED_BEFORE_A_FENCE = r"(?:\{\{[^}]*|\[[^\]]*|<[^>]*|【[^】]*)(?:```|~~~)"


class PlaceholderSettings(RuleSettings):
    """Args:
        action: "drop" (default), "flag" or "off".
    """


class Placeholder(Rule[PlaceholderSettings]):
    name = "placeholder"
    reasons = ("template_placeholder",)
    settings_class = PlaceholderSettings
    hints = {"every": (re2(PLACEHOLDER),)}

    def check(self, ex: ExampleView) -> Verdict | None:
        for m in ex.messages:
            text = m.get("content") or ""
            if "{{" not in text and "[" not in text and "<" not in text and "【" not in text:
                continue
            found = PLACEHOLDER.search(ex.reply_prose if text is ex.reply else prose_only(text))
            if found:
                return self.verdict("template_placeholder", found.group(0)[:40], None,
                                    f"the {m['role']} turn holds a template placeholder")
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        """A placeholder in the prose of a message either lies in one piece of the message, and then in the
        message itself (the pattern has no assertions at its ends), or spans the place where a fenced block
        was cut out: it opens before the block and closes after it."""
        fenced = batch.matches("every", FENCE)
        return batch.matches("every", re2(PLACEHOLDER)) | batch.matches("every", OPENED_BEFORE_A_FENCE, where=fenced)
