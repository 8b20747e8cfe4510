"""Replies with an unclosed code fence, that stop on a dangling word (dropped by default), or that
otherwise stop mid-sentence (flagged by default).

A reply whose last prose line ends on an article, preposition, conjunction or Chinese particle ("... and
the", "...因为"), a comma or an opening colon was cut off: nothing finishes a sentence that way. A last line
that merely lacks a full stop may be a name, a signature, a heading or a measurement ("98.9°C"), so it is
only judged when it holds a few words, and only flagged."""

from __future__ import annotations

import re

import numpy as np
from pydantic import Field

from sft_assets.core.segments import fence_lines, segments
from sft_assets.filter.batch import FENCE, SPACE_CHARS, FilterBatch
from sft_assets.filter.rules.base import CJK_RUN, Action, ExampleView, Rule, RuleSettings, Verdict, count_words
from sft_assets.filter.rules.unseen_content import URL

SENTENCE_END_CHAR = r"[.!?。！？…:：;；)）\]】\"'”’`*_>|~\d\u2600-\u27bf\U0001f300-\U0001faff]"  # punctuation, digits, emoji
SENTENCE_END = re.compile(SENTENCE_END_CHAR + r"\s*$")
COLONS = "[:：]"
LIST_MARKS = ("-", "*", "|", "#")  # a last line that starts a list item, table row or heading is not cut off
# A subset of "the last line of the stripped reply, left-stripped, starts with a list mark".
LIST_LAST_LINE = rf"(?:^|\n)[ \t]*[{re.escape(''.join(LIST_MARKS))}][^\n]*[{SPACE_CHARS}]*$"
# Words no English sentence ends on when it lacks its full stop (stranded prepositions end questions,
# which keep their "?"), and Chinese connectors of two characters (a single character such as 的, 和 or 对
# ends complete phrases: 是…的, 温和, 说得对).
DANGLING_WORDS = frozenset(
    "the a an and or but nor of to in on at for with from by as that which whose because if when while than "
    "into their its our your my".split())
DANGLING_END = re.compile(r"(?:[,，、:：(（\[“‘-]|因为|所以|但是|而且|如果|以及|并且|或者|比如|例如|包括|如下|以下)$")
WORD_END = re.compile(r"(?<![A-Za-z])([a-z]+)$")  # lower case: "5. A" is an answer letter, not an article
NUMBER_END = re.compile(r"\d[^\s\d]{0,3}$")
MIN_WORDS_FOR_MID_SENTENCE = 4  # a shorter last line is a name, a label or a heading as often as a cut

class TruncatedSettings(RuleSettings):
    """Args:
        action: for an unclosed code fence, "drop" (default), "flag" or "off".
        dangling_action: for a reply that stops on a dangling word, comma or colon, "drop" (default),
            "flag" or "off".
        mid_sentence_action: for a reply whose last line of 4+ words stops without a sentence end,
            "flag" (default), "drop" or "off".
        min_chars_for_mid_sentence: shorter replies are not judged for either.
    """

    dangling_action: Action = "drop"
    mid_sentence_action: Action = "flag"
    min_chars_for_mid_sentence: int = Field(default=20, ge=1)


class Truncated(Rule[TruncatedSettings]):
    name = "truncated"
    reasons = ("unclosed_code_fence", "dangling_end", "cut_mid_sentence")
    settings_class = TruncatedSettings

    def check(self, ex: ExampleView) -> Verdict | None:
        c = self.settings
        reply = ex.reply.rstrip()
        fences = fence_lines(reply)
        if fences % 2:
            return self.verdict("unclosed_code_fence", str(fences), "even", "the reply opens a code block it never closes")
        if (c.mid_sentence_action == "off" and c.dangling_action == "off") or len(reply) < c.min_chars_for_mid_sentence:
            return None
        last = segments(reply)[-1]
        if last[0]:
            return None
        tail = last[1].rstrip().rsplit("\n", 1)[-1]
        if not tail or tail.lstrip().startswith(LIST_MARKS) or URL.search(tail):
            return None
        if c.dangling_action != "off" and _dangles(tail):
            return self.verdict("dangling_end", tail[-20:], None, "the reply stops on a word or mark that cannot end a sentence",
                                action=c.dangling_action)
        if c.mid_sentence_action != "off" and not SENTENCE_END.search(tail) and _long_enough(tail):
            return self.verdict("cut_mid_sentence", tail[-20:], None, "the reply stops without ending its sentence",
                                action=c.mid_sentence_action)
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        """check() only judges a last line that does not end a sentence (a dangling end is never a sentence
        end character) or that ends with a colon, which SENTENCE_END accepts."""
        c = self.settings
        fenced = np.flatnonzero(batch.matches("reply", FENCE))
        replies = [reply.rstrip() for reply in batch.strings("reply", fenced)]  # as check() strips it
        unclosed = np.zeros(batch.rows, dtype=bool)
        unclosed[fenced] = [fence_lines(reply) % 2 == 1 for reply in replies]
        if c.mid_sentence_action == "off" and c.dangling_action == "off":
            return unclosed
        # check() reads the last line of the stripped reply when the reply ends in prose (after a closing
        # fence it says nothing): that line ends with the reply's last visible character. reply_prose is
        # the reply where it has no fence.
        ends_sentence = batch.ends_in_class("reply_prose", batch.char_class(SENTENCE_END_CHAR))
        ends_sentence[fenced] = [SENTENCE_END.match(reply[-1:]) is not None for reply in replies]
        ends_sentence &= ~batch.ends_in_class("reply", batch.char_class(COLONS))
        long = (batch.char_lengths("reply") >= c.min_chars_for_mid_sentence) & ~ends_sentence
        return unclosed | (long & ~batch.matches("reply", LIST_LAST_LINE, where=long))


def _dangles(tail: str) -> bool:
    if DANGLING_END.search(tail):
        return True
    word = WORD_END.search(tail)
    return word is not None and word.group(1) in DANGLING_WORDS and len(tail.split()) >= 2


def _long_enough(tail: str) -> bool:
    """Four or more words (a CJK character counts as half a word), not ending on a figure or a figure and
    its unit ("38°C", "5kg")."""
    return count_words(tail) >= MIN_WORDS_FOR_MID_SENTENCE * (2 if CJK_RUN.search(tail) else 1) and not NUMBER_END.search(tail)
