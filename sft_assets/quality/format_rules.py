"""Format rules for an OpenAI chat fine-tuning example.

`cookbook_errors` checks a raw record the way the OpenAI fine-tuning data-preparation cookbook does,
under its error keys. `example_format` measures a canonical example for the format gate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sft_assets.quality.tokens import count_message_tokens

COOKBOOK_KEYS = (
    "data_type",
    "missing_messages_list",
    "message_missing_key",
    "message_unrecognized_key",
    "unrecognized_role",
    "missing_content",
    "example_missing_assistant_message",
)
COOKBOOK_ROLES = ("system", "user", "assistant", "function", "tool")
COOKBOOK_MESSAGE_KEYS = ("role", "content", "name", "function_call", "weight", "tool_calls", "tool_call_id")


def cookbook_errors(record: Any) -> Counter[str]:
    """Errors of one raw record under the cookbook's keys (empty when the record is fine)."""
    errors: Counter[str] = Counter()
    if not isinstance(record, dict):
        errors["data_type"] += 1
        return errors
    messages = record.get("messages")
    if not messages or not isinstance(messages, list):
        errors["missing_messages_list"] += 1
        return errors
    for message in messages:
        if not isinstance(message, dict):
            errors["data_type"] += 1
            continue
        if "role" not in message or "content" not in message:
            errors["message_missing_key"] += 1
        if any(k not in COOKBOOK_MESSAGE_KEYS for k in message):
            errors["message_unrecognized_key"] += 1
        if message.get("role") not in COOKBOOK_ROLES:
            errors["unrecognized_role"] += 1
        content = message.get("content")
        calls = message.get("function_call") or message.get("tool_calls")
        if (not content and not calls) or (content is not None and not isinstance(content, str)):
            errors["missing_content"] += 1
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        errors["example_missing_assistant_message"] += 1
    return errors


@dataclass(frozen=True, slots=True)
class ExampleFormat:
    """What the format gate looks at for one canonical example."""

    n_user: int
    n_assistant: int
    first_role: str
    last_role: str
    n_tokens: int
    assistant_tokens: int
    cookbook_errors: int


def example_format(messages: list[dict[str, Any]], encoding_name: str = "cl100k_base") -> ExampleFormat:
    roles = [m["role"] for m in messages]
    n_tokens, assistant_tokens = count_message_tokens(messages, encoding_name)
    return ExampleFormat(
        n_user=roles.count("user"),
        n_assistant=roles.count("assistant"),
        first_role=next((r for r in roles if r != "system"), "system"),
        last_role=roles[-1],
        n_tokens=n_tokens,
        assistant_tokens=assistant_tokens,
        cookbook_errors=sum(cookbook_errors({"messages": messages}).values()),
    )
