"""Fewer words (CJK characters count as words) than a minimum in user and assistant turns together."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sft_assets.filter.batch import WORD_PREFIX, FilterBatch
from sft_assets.filter.rules.base import CJK_RUN, ExampleView, Rule, RuleSettings, Verdict, count_words, has_words


class TooFewWordsSettings(RuleSettings):
    """Args:
        min_words: fewer words than this in user and assistant turns together drop the example.
    """

    min_words: int = Field(default=3, ge=0)


class TooFewWords(Rule[TooFewWordsSettings]):
    name = "too_few_words"
    reasons = ("too_few_words",)
    settings_class = TooFewWordsSettings

    def check(self, ex: ExampleView) -> Verdict | None:
        minimum = self.settings.min_words
        if has_words(f"{ex.user} {ex.assistant}", minimum):
            return None
        words = count_words(ex.user) + count_words(ex.assistant)
        if words < minimum:
            return self.verdict("too_few_words", str(words), f">={minimum}", "words in user and assistant turns")
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        minimum = self.settings.min_words
        words = (batch.words("user", WORD_PREFIX, minimum, alone=CJK_RUN.pattern)
                 + batch.words("assistant", WORD_PREFIX, minimum, alone=CJK_RUN.pattern))
        return words < minimum
