"""Turn a list of loosely-shaped messages into canonical OpenAI-chat messages, or say why not."""

from __future__ import annotations

from typing import Any, Literal

from sft_assets.ingest.reasons import RecordError
from sft_assets.core.records import MESSAGE_EXTRA_KEYS, ROLES

ConsecutiveTurns = Literal["merge", "reject"]

ROLE_ALIASES: dict[str, str] = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "model": "assistant",
    "bot": "assistant",
    "chatgpt": "assistant",
    "tool": "tool",
    "function": "tool",
    "observation": "tool",
}


def canonical_role(raw: Any, where: str) -> str:
    if raw is None:
        raise RecordError("missing_role", f"{where} has no role")
    role = ROLE_ALIASES.get(str(raw).strip().lower())
    if role is None:
        raise RecordError("unknown_role", f"{where} has role {str(raw)[:40]!r}")
    return role


def text_content(raw: Any, where: str, *, allow_none: bool) -> str | None:
    """Content as text: a string, or a list of text parts joined; None only when allowed."""
    if raw is None:
        if allow_none:
            return None
        raise RecordError("missing_content", f"{where} has no content")
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list) and all(isinstance(p, dict) for p in raw):
        texts = []
        for part in raw:
            if part.get("type", "text") != "text" or not isinstance(part.get("text"), str):
                raise RecordError("unsupported_content", f"{where} has a {part.get('type')!r} content part")
            texts.append(part["text"])
        return "".join(texts)
    raise RecordError("non_string_content", f"{where} content is a {type(raw).__name__}")


_KNOWN_KEYS = frozenset(("role", "content", *MESSAGE_EXTRA_KEYS))
_CANONICAL_ROLES = frozenset(ROLES)


def canonical_message(raw: Any, index: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """One message in canonical form, plus the keys it carried that the canonical form does not keep."""
    if type(raw) is dict and len(raw) == 2:  # fast path for the common {role, content} message
        role, content = raw.get("role"), raw.get("content")
        if role in _CANONICAL_ROLES and type(content) is str and content and not content.isspace():
            return {"role": role, "content": content}, None
    where = f"message {index}"
    if not isinstance(raw, dict):
        raise RecordError("invalid_message", f"{where} is a {type(raw).__name__}, not an object")
    role = canonical_role(raw.get("role"), where)
    tool_calls = raw.get("tool_calls") or None
    content = text_content(raw.get("content"), where, allow_none=tool_calls is not None)
    if tool_calls is None and not content.strip():
        raise RecordError("empty_turn", f"{where} ({role}) is empty or whitespace only")
    message: dict[str, Any] = {"role": role, "content": content}
    for key in MESSAGE_EXTRA_KEYS:
        if raw.get(key) is not None:
            message[key] = raw[key]
    extra = {k: v for k, v in raw.items() if k not in _KNOWN_KEYS}
    return message, extra or None


def _merged(previous: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    return {**previous, "content": f"{previous['content']}\n\n{message['content']}"}


def _mergeable(previous: dict[str, Any], message: dict[str, Any]) -> bool:
    return (
        previous["role"] == message["role"]
        and message["role"] in ("user", "assistant")
        and "tool_calls" not in previous
        and "tool_calls" not in message
    )


def check_structure(messages: list[dict[str, Any]], consecutive: ConsecutiveTurns) -> list[dict[str, Any]]:
    """Enforce: leading system messages, then user/assistant alternation, tool turns after tool calls.

    Returns the messages, with consecutive same-role user or assistant turns merged when asked to.
    """
    roles = [m["role"] for m in messages]
    if "user" not in roles:
        raise RecordError("no_user_turn", "the conversation has no user message")
    if "assistant" not in roles:
        raise RecordError("no_assistant_turn", "the conversation has no assistant message")
    out: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        role = message["role"]
        previous = out[-1] if out else None
        prev_role = previous["role"] if previous else None
        if role == "system":
            if prev_role not in (None, "system"):
                raise RecordError("roles_not_alternating", f"message {index} is a system message after the first turn")
        elif previous is not None and _mergeable(previous, message):
            if consecutive == "reject":
                raise RecordError("roles_not_alternating", f"messages {index - 1} and {index} are both {role}")
            out[-1] = _merged(previous, message)
            continue
        elif not _follows(prev_role, previous, role):
            raise RecordError(
                "roles_not_alternating", f"message {index} ({role}) cannot follow {prev_role or 'the start'}"
            )
        out.append(message)
    if out[-1]["role"] != "assistant":
        raise RecordError("roles_not_alternating", f"the conversation ends with a {out[-1]['role']} message")
    return out


def _follows(prev_role: str | None, previous: dict[str, Any] | None, role: str) -> bool:
    if role == "user":
        return prev_role in (None, "system", "assistant")
    if role == "assistant":
        return prev_role in ("user", "tool")
    # tool results answer an assistant tool call, possibly several in a row
    return prev_role == "tool" or (prev_role == "assistant" and previous is not None and "tool_calls" in previous)
