"""What every filter rule is made of: its settings, its verdict, the view of an example it reads, and the
optional vectorized pre-filter that lets a chunk skip the rule's Python check where it cannot fire.

No rule-specific code lives here: a rule is one file under `filter/rules/` and one line in `registry.RULES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

import numpy as np

from sft_assets.core.segments import prose_only
from sft_assets.core.settings_base import Strict
from sft_assets.quality.tokens import TokenBound, token_counter

if TYPE_CHECKING:
    from sft_assets.filter.batch import FilterBatch

Action = Literal["drop", "flag", "off"]


class RuleSettings(Strict):
    """Settings every rule has. A rule with more than one verdict kind may add `<kind>_action` fields.

    Args:
        action: "drop" (default), "flag" or "off".
    """

    action: Action = "drop"

    def enabled(self) -> bool:
        """Whether any of the rule's actions is on."""
        return any(value != "off" for name, value in self if name == "action" or name.endswith("_action"))


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: str  # the reason code logged as the decision's rule
    action: Action
    value: str
    threshold: str | None
    detail: str


S = TypeVar("S", bound=RuleSettings)


class Rule(Generic[S]):
    """One curation rule: given an example, say nothing or return one verdict (reason, measured value,
    threshold). `may_fire` is a NECESSARY condition of `check` returning a verdict, for a whole chunk at once;
    the default opens every row."""

    name: ClassVar[str]
    reasons: ClassVar[tuple[str, ...]]
    settings_class: ClassVar[type[RuleSettings]]
    # RE2 patterns this rule's pre-filter searches, per batch text: the batch searches a text for all of
    # them together first, so that most rows are ruled out for every rule at once.
    hints: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self, settings: S | None = None) -> None:
        self.settings: S = settings if settings is not None else self.settings_class()  # type: ignore[assignment]

    def check(self, ex: ExampleView) -> Verdict | None:
        raise NotImplementedError

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        return np.ones(batch.rows, dtype=bool)  # no pre-filter: every row is checked in Python

    def verdict(self, reason: str, value: str, threshold: str | None = None, detail: str = "",
                action: Action | None = None) -> Verdict:
        if reason not in self.reasons:
            raise ValueError(f"rule {self.name} has no reason {reason!r}; declared: {self.reasons}")
        return Verdict(reason, action or self.settings.action, value, threshold, detail)


CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def has_words(text: str, n: int) -> bool:
    """At least n words, looking at no more of the text than needed."""
    if len(text.split(maxsplit=n)) >= n:
        return True
    # a prefix never has more words than the whole text: a short one usually settles it
    return count_words(text[:n * 16]) >= n or (len(text) > n * 16 and count_words(text) >= n)


def count_words(text: str) -> int:
    """Whitespace-separated words, plus one per CJK character (CJK text has no spaces)."""
    if text.isascii():
        return len(text.split())
    cjk = len(CJK_RUN.findall(text))
    return len(CJK_RUN.sub(" ", text).split()) + cjk


UPPER, REST_BYTES = attrgetter("upper"), attrgetter("rest_bytes")


class ExampleView:
    """Views of one conversation that several rules share: the texts every pre-filter reads are built in
    one pass up front, the rest lazily. `known_languages` holds language decisions the batch already made
    for reply samples (sample -> decision), so the language rule does not classify them again."""

    def __init__(self, messages: list[dict[str, Any]], category: str | None = None, encoding_name: str = "cl100k_base",
                 reply_prose: str | None = None, known_languages: dict[tuple[str, float], str] | None = None):
        self.messages = messages
        self.category = category
        self.encoding_name = encoding_name
        self.known_languages = known_languages if known_languages is not None else {}
        texts, users, assistants = [], [], []
        for m in messages:
            text = m.get("content") or ""
            texts.append(text)
            if m["role"] == "user":
                users.append(text)
            elif m["role"] == "assistant":
                assistants.append(text)
        self.all_texts = texts
        self.user = "\n".join(users)
        self.assistant = "\n".join(assistants)
        self.every = " ".join(texts)  # all message texts, space-separated
        # the last assistant reply (the one trained on in single-turn data), and its prose
        self.reply = reply = assistants[-1] if assistants else ""
        if reply_prose is None:  # given when already computed (the batch)
            reply_prose = prose_only(reply) if "```" in reply or "~~~" in reply else reply
        self.reply_prose = reply_prose

    @cached_property
    def user_lower(self) -> str:
        return self.user.lower()

    @cached_property
    def token_bounds(self) -> list[TokenBound]:
        """Per message, an upper bound on its tokens that encodes the message only as far as needed."""
        count = token_counter(self.encoding_name)
        return [TokenBound(text, count) for text in self.all_texts]

    def _bounds_of(self, role: str | None) -> list[TokenBound]:
        bounds = self.token_bounds
        return bounds if role is None else [b for b, m in zip(bounds, self.messages, strict=True) if m["role"] == role]

    def tokens(self, role: str | None = None) -> int:
        """Content tokens (each message encoded once, whatever the number of questions asked)."""
        return sum(b.exact() for b in self._bounds_of(role))

    def tokens_at_most(self, limit: int, role: str | None = None) -> bool:
        """Whether the role's content tokens are within the limit, encoding as little as it takes: the
        message with the most bytes not yet encoded is encoded further until the bounds fit or are exact."""
        bounds = self._bounds_of(role)
        total = sum(map(UPPER, bounds))
        while total > limit:
            widest = max(bounds, key=REST_BYTES)
            if not widest.rest_bytes:
                return False
            before = widest.upper
            widest.tighten(total - limit)
            total -= before - widest.upper
        return True

    def tokens_at_least(self, limit: int) -> bool:
        """The tokenizer splits on whitespace first: at least one token per whitespace-separated word."""
        return has_words(self.every, limit)

    @cached_property
    def empty_turn(self) -> int | None:
        """Index of the first message with neither text nor tool calls."""
        if all(map(str.strip, self.all_texts)):
            return None
        return next((i for i, m in enumerate(self.messages)
                     if not m.get("tool_calls") and not (m.get("content") or "").strip()), None)
