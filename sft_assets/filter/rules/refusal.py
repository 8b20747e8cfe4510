"""Assistant replies that refuse or disclaim ("I cannot ...", "As an AI language model", "作为一个AI"): a
short reply that only does so is a refusal; a longer reply that opens so and then answers has a refusal
opening (a habit the model would learn), flagged by default."""

from __future__ import annotations

import re

import numpy as np
from pydantic import Field

from sft_assets.filter.batch import FENCE, FilterBatch, re2
from sft_assets.filter.rules.base import CJK_RUN, Action, ExampleView, Rule, RuleSettings, Verdict, count_words

REFUSAL = re.compile(
    r"(?i)^\W*(?:i'?m sorry,? but |sorry,? but |unfortunately,? )?(?:i (?:cannot|can't|can not|am unable to|"
    r"am not able to|won't|will not|do not have the ability to|don't have the ability to)|"
    r"as an ai(?: language model| assistant)?|as a language model|i'?m just an ai)"
    r"|^\W*(?:抱歉|对不起|很抱歉)?[，,]?\s*(?:作为一个?(?:ai|AI|人工智能|语言模型|AI助手)|我(?:无法|不能|没有办法))"
)


class RefusalSettings(RuleSettings):
    """Args:
        action: "flag" (default: refusals are counted for the balance gate, not dropped), "drop" or "off".
        max_words: longer replies that open with a disclaimer still answer, and are not refusals
            (a CJK character counts as a word).
        opening_action: for a longer reply that opens with a refusal or disclaimer and then answers:
            "flag" (default), "drop" or "off".
    """

    action: Action = "flag"
    max_words: int = Field(default=60, gt=0)
    opening_action: Action = "flag"


class Refusal(Rule[RefusalSettings]):
    name = "refusal"
    reasons = ("refusal", "refusal_opening")
    settings_class = RefusalSettings
    hints = {"reply": (re2(REFUSAL),)}  # anchored at the start: a quick pass

    def check(self, ex: ExampleView) -> Verdict | None:
        reply = ex.reply.strip()
        if not REFUSAL.search(reply):
            return None
        words = count_words(reply)
        if words <= self.settings.max_words:
            return self.verdict("refusal", str(words), f"<={self.settings.max_words} words",
                                "the reply only refuses or disclaims")
        if self.settings.opening_action == "off":
            return None
        return self.verdict("refusal_opening", reply[:40], None, "the reply opens with a refusal or disclaimer, then answers",
                            action=self.settings.opening_action)

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        found = batch.matches("reply", re2(REFUSAL))
        if self.settings.opening_action != "off":
            return found
        # check() counts the reply's words; for unfenced rows reply_prose is the reply, and words only grow
        most = self.settings.max_words
        short = batch.words("reply_prose", None, most + 1, alone=CJK_RUN.pattern, wanted=found) <= most
        return found & (short | batch.matches("reply", FENCE))
