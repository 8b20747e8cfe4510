"""Replies with an unclosed code fence, or (flagged by default) that stop mid-sentence."""

from __future__ import annotations

import re

import numpy as np
from pydantic import Field

from sft_assets.core.segments import fence_lines, segments
from sft_assets.filter.batch import FENCE, SPACE_CHARS, FilterBatch
from sft_assets.filter.rules.base import Action, ExampleView, Rule, RuleSettings, Verdict
from sft_assets.filter.rules.unseen_content import URL

SENTENCE_END_CHAR = r"[.!?。！？…:：;；)）\]】\"'”’`*_>|~\d\u2600-\u27bf\U0001f300-\U0001faff]"  # punctuation, digits, emoji
SENTENCE_END = re.compile(SENTENCE_END_CHAR + r"\s*$")
LIST_MARKS = ("-", "*", "|", "#")  # a last line that starts a list item, table row or heading is not cut off
# A subset of "the last line of the stripped reply, left-stripped, starts with a list mark".
LIST_LAST_LINE = rf"(?:^|\n)[ \t]*[{re.escape(''.join(LIST_MARKS))}][^\n]*[{SPACE_CHARS}]*$"


class TruncatedSettings(RuleSettings):
    """Args:
        action: for an unclosed code fence, "drop" (default), "flag" or "off".
        mid_sentence_action: for a reply that stops mid-sentence, "flag" (default), "drop" or "off".
        min_chars_for_mid_sentence: shorter replies are not judged for a missing sentence end.
    """

    mid_sentence_action: Action = "flag"
    min_chars_for_mid_sentence: int = Field(default=200, ge=1)


class Truncated(Rule[TruncatedSettings]):
    name = "truncated"
    reasons = ("unclosed_code_fence", "cut_mid_sentence")
    settings_class = TruncatedSettings

    def check(self, ex: ExampleView) -> Verdict | None:
        c = self.settings
        reply = ex.reply.rstrip()
        fences = fence_lines(reply)
        if fences % 2:
            return self.verdict("unclosed_code_fence", str(fences), "even", "the reply opens a code block it never closes")
        if c.mid_sentence_action == "off" or len(reply) < c.min_chars_for_mid_sentence:
            return None
        last = segments(reply)[-1]
        if last[0]:
            return None
        tail = last[1].rstrip().rsplit("\n", 1)[-1]
        if tail and not SENTENCE_END.search(tail) and not tail.lstrip().startswith(LIST_MARKS) and not URL.search(tail):
            return self.verdict("cut_mid_sentence", tail[-20:], None, "the reply stops without ending its sentence",
                                action=c.mid_sentence_action)
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        c = self.settings
        fenced = np.flatnonzero(batch.matches("reply", FENCE))
        replies = [reply.rstrip() for reply in batch.strings("reply", fenced)]  # as check() strips it
        unclosed = np.zeros(batch.rows, dtype=bool)
        unclosed[fenced] = [fence_lines(reply) % 2 == 1 for reply in replies]
        if c.mid_sentence_action == "off":
            return unclosed
        # check() reads the last line of the stripped reply when the reply ends in prose (after a closing
        # fence it says nothing): that line ends with the reply's last visible character. reply_prose is
        # the reply where it has no fence.
        ends_sentence = batch.ends_in_class("reply_prose", batch.char_class(SENTENCE_END_CHAR))
        ends_sentence[fenced] = [SENTENCE_END.match(reply[-1:]) is not None for reply in replies]
        long = (batch.char_lengths("reply") >= c.min_chars_for_mid_sentence) & ~ends_sentence
        return unclosed | (long & ~batch.matches("reply", LIST_LAST_LINE, where=long))
