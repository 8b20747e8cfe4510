"""Repeated lines or n-grams in the reply's prose (code blocks are not measured)."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
from pydantic import Field

from sft_assets.filter.batch import FilterBatch
from sft_assets.filter.rules.base import ExampleView, Rule, RuleSettings, Verdict

NGRAM_SCAN_CHARS = 2000  # degenerate loops show up early; scanning more costs time, not recall
CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


class RepetitionSettings(RuleSettings):
    """Args:
        max_duplicate_line_ratio: a larger share of repeated prose lines drops the reply.
        max_duplicate_ngram_ratio: a larger share of n-grams occurring more than once drops the reply.
        ngram_words / ngram_chars: n-gram size in words, or in characters for Chinese/Japanese text.
        min_lines: fewer prose lines are not compared.
        min_line_chars: shorter lines ($$, ---, ...) are not compared.
        min_ngrams: fewer n-grams are not measured.
    """

    max_duplicate_line_ratio: float = Field(default=0.3, ge=0, le=1)
    max_duplicate_ngram_ratio: float = Field(default=0.5, ge=0, le=1)
    ngram_words: int = Field(default=5, ge=1)
    ngram_chars: int = Field(default=10, ge=1)
    min_lines: int = Field(default=4, ge=2)
    min_line_chars: int = Field(default=10, ge=1)
    min_ngrams: int = Field(default=40, ge=1)


class Repetition(Rule[RepetitionSettings]):
    name = "repetition"
    reasons = ("repeated_lines", "repeated_ngrams")
    settings_class = RepetitionSettings

    def check(self, ex: ExampleView) -> Verdict | None:
        c = self.settings
        prose = ex.reply_prose
        lines = [ln for ln in (raw.strip() for raw in prose.splitlines()) if len(ln) >= c.min_line_chars] \
            if prose.count("\n") >= c.min_lines - 1 else []
        if len(lines) >= c.min_lines:
            dup = 1 - len(set(lines)) / len(lines)
            if dup > c.max_duplicate_line_ratio:
                return self.verdict("repeated_lines", f"{dup:.2f}", f"<={c.max_duplicate_line_ratio}",
                                    f"{len(lines) - len(set(lines))} of {len(lines)} prose lines repeat")
        grams = self.ngrams(prose[:NGRAM_SCAN_CHARS])
        # each repeated n-gram stands for at least two occurrences: a cheap upper bound first
        if len(grams) >= c.min_ngrams and 2 * (len(grams) - len(set(grams))) / len(grams) > c.max_duplicate_ngram_ratio:
            counts = Counter(grams)
            dup = sum(n for n in counts.values() if n > 1) / len(grams)
            if dup > c.max_duplicate_ngram_ratio:
                return self.verdict("repeated_ngrams", f"{dup:.2f}", f"<={c.max_duplicate_ngram_ratio}",
                                    "share of n-grams that occur more than once")
        return None

    def ngrams(self, text: str) -> list:
        if not text.isascii() and len(CJK_CHAR.findall(text)) * 2 > len(text):
            chars = "".join(text.split())
            n = self.settings.ngram_chars
            return [chars[i:i + n] for i in range(0, max(0, len(chars) - n + 1))]
        words = text.lower().split()
        return list(zip(*(words[i:] for i in range(self.settings.ngram_words))))

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        c = self.settings
        lines, line_dup, grams, gram_dup, hazard = batch.repetition(
            "reply_prose", CJK_CHAR.pattern, NGRAM_SCAN_CHARS, c.min_lines, c.min_line_chars, c.ngram_words,
            c.ngram_chars, c.min_ngrams)
        by_lines = (lines >= c.min_lines) & (line_dup > c.max_duplicate_line_ratio)
        return hazard | by_lines | ((grams >= c.min_ngrams) & (gram_dup > c.max_duplicate_ngram_ratio))
