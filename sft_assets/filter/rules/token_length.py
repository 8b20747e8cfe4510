"""Token bounds (offline tokenizer) on the whole example and per role."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sft_assets.filter.batch import WORD_PREFIX, FilterBatch
from sft_assets.filter.rules.base import CJK_RUN, ExampleView, Rule, RuleSettings, Verdict


class TokenLengthSettings(RuleSettings):
    """Args:
        min_example_tokens: fewer content tokens in the whole example drop it.
        max_example_tokens: more content tokens in the whole example drop it.
        max_user_tokens / max_assistant_tokens: limits on the tokens of all turns of that role.
    """

    min_example_tokens: int = Field(default=8, ge=0)
    max_example_tokens: int = Field(default=8192, gt=0)
    max_user_tokens: int = Field(default=4096, gt=0)
    max_assistant_tokens: int = Field(default=4096, gt=0)


class TokenLength(Rule[TokenLengthSettings]):
    name = "token_length"
    reasons = ("too_few_tokens", "too_many_tokens", "too_many_user_tokens", "too_many_assistant_tokens")
    settings_class = TokenLengthSettings

    def check(self, ex: ExampleView) -> Verdict | None:
        c = self.settings
        # exact counts only where cheap bounds cannot decide (the tokenizer is the slow part)
        if not ex.tokens_at_least(c.min_example_tokens):
            total = ex.tokens()
            if total < c.min_example_tokens:
                return self.verdict("too_few_tokens", str(total), f">={c.min_example_tokens}", "example tokens")
        if not ex.tokens_at_most(c.max_example_tokens):
            total = ex.tokens()
            if total > c.max_example_tokens:
                return self.verdict("too_many_tokens", str(total), f"<={c.max_example_tokens}", "example tokens")
        for role, limit in (("user", c.max_user_tokens), ("assistant", c.max_assistant_tokens)):
            if not ex.tokens_at_most(limit, role):
                n = ex.tokens(role)
                if n > limit:
                    return self.verdict(f"too_many_{role}_tokens", str(n), f"<={limit}", f"{role} tokens")
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        c = self.settings
        # at least one token per word (as has_words counts); every token is at least one byte
        few = batch.words("every", WORD_PREFIX, c.min_example_tokens, alone=CJK_RUN.pattern) < c.min_example_tokens
        many = batch.byte_lengths("every") > c.max_example_tokens
        return (few | many | (batch.byte_lengths("user") > c.max_user_tokens)
                | (batch.byte_lengths("assistant") > c.max_assistant_tokens))
