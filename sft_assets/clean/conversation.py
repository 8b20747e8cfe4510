"""Clean one conversation: run the configured transforms and the PII/secret policy over every message."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sft_assets.clean.redact import PII_TYPES, redact
from sft_assets.clean.transforms import (
    DEFAULT_BOILERPLATE,
    Boilerplate,
    ControlChars,
    HtmlStrip,
    NoInputMarker,
    UnicodeRepair,
    Whitespace,
)
from sft_assets.clean.settings import CleanConfig


@dataclass(frozen=True)
class Cleaner:
    """The transforms in the order they run, and which PII kinds get which action."""

    transforms: tuple[Any, ...]
    pii_actions: dict[str, str]

    @classmethod
    def from_config(cls, config: CleanConfig) -> Cleaner:
        steps: list[Any] = []
        if config.unicode_repair:
            steps.append(UnicodeRepair())
        if config.control_chars:
            steps.append(ControlChars())
        if config.html:
            steps.append(HtmlStrip())
        if config.boilerplate.enabled:
            steps.append(Boilerplate(patterns=(*DEFAULT_BOILERPLATE, *config.boilerplate.extra_patterns),
                                     remove_link_only_lines=config.boilerplate.remove_link_only_lines))
        if config.no_input:
            steps.append(NoInputMarker())
        if config.whitespace:
            steps.append(Whitespace(max_blank_lines=config.max_blank_lines))
        actions = {kind: getattr(config.pii, kind) for kind in PII_TYPES}
        return cls(transforms=tuple(steps), pii_actions=actions)

    @cached_property
    def redact_kinds(self) -> frozenset[str]:
        return frozenset(k for k, a in self.pii_actions.items() if a == "redact")

    @cached_property
    def watch_kinds(self) -> frozenset[str]:
        """Kinds that drop or flag the example."""
        return frozenset(k for k, a in self.pii_actions.items() if a in ("drop", "flag"))


@dataclass
class CleanOutcome:
    messages: list[dict[str, Any]]
    changes: dict[str, list[int]] = field(default_factory=dict)  # rule -> [chars before, chars after]
    pii: Counter[str] = field(default_factory=Counter)  # kind -> findings (redacted, flagged or dropping)
    drop: str | None = None  # "pii_<kind>" when a kind with action drop was found
    flags: list[str] = field(default_factory=list)

    def note(self, rule: str, before: str, after: str) -> None:
        record = self.changes.setdefault(rule, [0, 0])
        record[0] += len(before)
        record[1] += len(after)


# Transforms that only delete whitespace at line ends and text ends, squeeze blank lines or cut a trailing
# "no input" line: no PII candidate appears where there was none (test_clean checks it on random text), so
# a message the PII gate ruled out stays ruled out after them. Any other change is searched again.
NO_NEW_PII = frozenset({"whitespace", "no_input"})


def clean_conversation(messages: list[dict[str, Any]], cleaner: Cleaner,
                       steps: list[frozenset[str]] | None = None) -> CleanOutcome:
    """Run the transforms, then the PII policy, over every message.

    `steps` names, per message, the steps (transform names, and "pii") that could change it, as decided by
    the vectorized gates; None means all. Once a transform changes a message, every later step runs on it,
    because the new text may need them.
    """
    outcome = CleanOutcome(messages=[])
    redact_kinds, watch_kinds = cleaner.redact_kinds, cleaner.watch_kinds
    for index, message in enumerate(messages):
        message_steps = None if steps is None else steps[index]
        if message_steps is not None and not message_steps:  # no step could change this message
            outcome.messages.append(message)
            continue
        pii = message_steps is None or "pii" in message_steps
        if message.get("tool_calls") and redact_kinds and pii:
            message = _redact_tool_calls(message, redact_kinds, outcome)
        text = message.get("content")
        if not isinstance(text, str) or not text:
            outcome.messages.append(message)
            continue
        changed = False
        for transform in cleaner.transforms:
            if (transform.name == "no_input" and message["role"] != "user") or not (
                    changed or message_steps is None or transform.name in message_steps):
                continue
            new = transform(text)
            if new != text:
                outcome.note(transform.name, text, new)
                text, changed = new, True
                pii = pii or transform.name not in NO_NEW_PII
        if not pii:
            outcome.messages.append({**message, "content": text} if text != message["content"] else message)
            continue
        if redact_kinds:
            redaction = redact(text, kinds=redact_kinds)
            if redaction.counts:
                outcome.note("pii_redaction", text, redaction.text)
                outcome.pii.update(redaction.counts)
                text = redaction.text
        if watch_kinds:
            found = redact(text, kinds=watch_kinds, replace=False).counts
            outcome.pii.update(found)
            for kind in sorted(found):
                if cleaner.pii_actions[kind] == "drop" and outcome.drop is None:
                    outcome.drop = f"pii_{kind}"
                elif cleaner.pii_actions[kind] == "flag" and f"pii_{kind}" not in outcome.flags:
                    outcome.flags.append(f"pii_{kind}")
        outcome.messages.append({**message, "content": text} if text != message["content"] else message)
    return outcome


def _redact_tool_calls(message: dict[str, Any], kinds: frozenset[str], outcome: CleanOutcome) -> dict[str, Any]:
    """Tool-call arguments carry user data too (recipients, accounts): redact them like content."""
    calls = []
    for call in message["tool_calls"]:
        function = call.get("function") if isinstance(call, dict) else None
        arguments = function.get("arguments") if isinstance(function, dict) else None
        if isinstance(arguments, str) and arguments:
            redaction = redact(arguments, kinds=kinds)
            if redaction.counts:
                outcome.note("pii_redaction", arguments, redaction.text)
                outcome.pii.update(redaction.counts)
                call = {**call, "function": {**function, "arguments": redaction.text}}
        calls.append(call)
    return {**message, "tool_calls": calls}
