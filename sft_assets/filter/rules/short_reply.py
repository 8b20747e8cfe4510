"""A reply far too short for its request: "k", "OK", "嗯" answering a long instruction. Measured against the
request (the last user turn), so a one-word answer to a one-word question, a number, a choice letter or a
yes/no answer stays."""

from __future__ import annotations

import re

import numpy as np
from pydantic import Field

from sft_assets.filter.batch import FilterBatch
from sft_assets.filter.rules.base import CJK_RUN, ExampleView, Rule, RuleSettings, Verdict, count_words

# Acknowledgements that answer nothing, whatever the request.
FILLERS = frozenset("k kk ok okay okey sure fine noted cool alright thanks thx 嗯 嗯嗯 哦 噢 好 好的 行 收到 知道了 明白 了解".split())
# Short answers that can be complete: yes/no, true/false, a number, a choice letter.
ANSWER = re.compile(r"(?i)(?:yes|no|y|n|true|false|是|否|对|错|不|不是|不对|没有|有|会|不会|能|不能|可以|[a-h]|[-+]?\d+(?:[.,]\d+)?%?)")
PUNCTUATION = re.compile(r"[\W_]+")


class ShortReplySettings(RuleSettings):
    """Args:
        action: "drop" (default), "flag" or "off".
        min_request_words: requests with fewer words (CJK characters count as words) are not judged.
        min_request_words_for_fillers: the same bound for an acknowledgement ("ok", "嗯"), which answers no
            request of a few words unless the request names it ("Reply OK if you are ready").
        max_reply_chars: a Latin-script reply of at most this many letters and digits (punctuation and spaces
            aside) is too short unless it is a complete short answer (yes/no, a number, a choice letter); in
            any script, an acknowledgement that answers nothing ("ok", "嗯", "好的") is too short.
    """

    min_request_words: int = Field(default=8, ge=1)
    min_request_words_for_fillers: int = Field(default=3, ge=1)
    max_reply_chars: int = Field(default=2, ge=1)


class ShortReply(Rule[ShortReplySettings]):
    name = "short_reply"
    reasons = ("short_reply",)
    settings_class = ShortReplySettings

    def check(self, ex: ExampleView) -> Verdict | None:
        c = self.settings
        core = PUNCTUATION.sub("", ex.reply).lower()
        # beyond the fillers only a Latin-script core is judged: two Chinese characters are a whole word
        if core not in FILLERS and (len(core) > c.max_reply_chars or not core.isascii() or not core
                                    or ANSWER.fullmatch(core)):
            return None
        request = next((m.get("content") or "" for m in reversed(ex.messages) if m["role"] == "user"), "")
        words = count_words(request)
        filler = core in FILLERS
        if words < (c.min_request_words_for_fillers if filler else c.min_request_words):
            return None
        if filler and core in PUNCTUATION.sub(" ", request).lower().split():
            return None  # the request asked for this very word
        return self.verdict("short_reply", ex.reply.strip()[:20], f">{c.max_reply_chars} chars",
                            f"a {words}-word request answered with {len(core)} characters")

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        """check() needs few letters and digits in the reply (lowercasing never shortens a text) and enough
        words in the request (the last user turn has no more words than all user turns joined)."""
        c = self.settings
        longest = max(c.max_reply_chars, *map(len, FILLERS))
        tiny = batch.count_in_class("reply", batch.char_class(r"[^\W_]")) <= longest
        fewest = min(c.min_request_words, c.min_request_words_for_fillers)
        return tiny & (batch.words("user", None, fewest, alone=CJK_RUN.pattern, wanted=tiny) >= fewest)
