"""Share of reply prose characters that are neither letters, digits, CJK, whitespace nor common punctuation."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from pydantic import Field

from sft_assets.filter.batch import FilterBatch
from sft_assets.filter.rules.base import ExampleView, Rule, RuleSettings, Verdict

ORDINARY_ASCII = "".join(chr(c) for c in range(32, 127)) + "\t\n\r"
ASCII_ORDINARY = str.maketrans("", "", ORDINARY_ASCII)
NON_ASCII_ORDINARY = re.compile(r"[\w\s\u3000-\u303f\uff00-\uffef\u2010-\u2027\u00a0-\u00bf\u00d7\u00f7]+")
# ASCII symbols that are ordinary in prose; the rest (and unusual non-ASCII symbols) count as special
ASCII_SPECIAL = frozenset("\\^`{}|~<>[]#*_=")


class SpecialCharsSettings(RuleSettings):
    """Args:
        max_ratio: a larger share of unusual characters in the reply's prose drops it.
        min_chars: shorter replies are not measured.
    """

    max_ratio: float = Field(default=0.3, ge=0, le=1)
    min_chars: int = Field(default=20, ge=1)


@lru_cache(maxsize=1)
def special_table() -> np.ndarray:
    """The characters check() counts as unusual, per code point."""
    table = ~FilterBatch.char_class(NON_ASCII_ORDINARY.pattern)
    table[[ord(ch) for ch in ORDINARY_ASCII]] = False
    table[[ord(ch) for ch in ASCII_SPECIAL]] = True
    return table


class SpecialChars(Rule[SpecialCharsSettings]):
    name = "special_chars"
    reasons = ("special_characters",)
    settings_class = SpecialCharsSettings

    def check(self, ex: ExampleView) -> Verdict | None:
        c, prose = self.settings, ex.reply_prose
        if len(prose) < c.min_chars:
            return None
        special = sum(prose.count(ch) for ch in ASCII_SPECIAL)
        rest = prose.translate(ASCII_ORDINARY)
        if rest:
            special += len(NON_ASCII_ORDINARY.sub("", rest))
        ratio = special / len(prose)
        if ratio > c.max_ratio:
            return self.verdict("special_characters", f"{ratio:.2f}", f"<={c.max_ratio}",
                                "share of unusual characters in the reply")
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        length = np.diff(batch.text("reply_prose")[1])  # characters, as len() counts them
        special = batch.count_in_class("reply_prose", special_table())
        return (length >= self.settings.min_chars) & (special / np.maximum(length, 1) > self.settings.max_ratio)
