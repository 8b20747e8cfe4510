"""Render a canonical example into each export format's record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SHAREGPT_FROM = {"user": "human", "assistant": "gpt", "system": "system", "tool": "observation"}


def to_openai(messages: list[dict[str, Any]], tools: list[Any] | None) -> dict[str, Any]:
    record: dict[str, Any] = {"messages": messages}
    if tools:
        record["tools"] = tools
    return record


def to_sharegpt(messages: list[dict[str, Any]], tools: list[Any] | None) -> dict[str, Any]:
    record: dict[str, Any] = {}
    turns = []
    for m in messages:
        if m["role"] == "system" and not turns and "system" not in record:
            record["system"] = m["content"]
            continue
        if m.get("tool_calls"):
            for call in m["tool_calls"]:
                fn = call.get("function", {})
                turns.append({"from": "function_call", "value": _call_value(fn)})
            continue
        turns.append({"from": SHAREGPT_FROM[m["role"]], "value": m["content"]})
    record["conversations"] = turns
    if tools:
        record["tools"] = tools
    return record


def _call_value(fn: dict[str, Any]) -> str:
    import orjson

    arguments = fn.get("arguments", "{}")
    try:
        arguments = orjson.loads(arguments)
    except (orjson.JSONDecodeError, TypeError):
        pass
    return orjson.dumps({"name": fn.get("name"), "arguments": arguments}).decode()


def to_alpaca(messages: list[dict[str, Any]], tools: list[Any] | None) -> dict[str, Any] | None:
    """Alpaca holds plain user/assistant pairs only; tool conversations return None (not exportable)."""
    if tools or any(m["role"] == "tool" or m.get("tool_calls") for m in messages):
        return None
    system = messages[0]["content"] if messages[0]["role"] == "system" else ""
    turns = [m for m in messages if m["role"] != "system"]
    pairs = [(turns[i]["content"], turns[i + 1]["content"]) for i in range(0, len(turns) - 1, 2)]
    record: dict[str, Any] = {"instruction": pairs[-1][0], "input": "", "output": pairs[-1][1]}
    if system:
        record["system"] = system
    if len(pairs) > 1:
        record["history"] = [list(p) for p in pairs[:-1]]
    return record


RENDERERS: dict[str, Callable[[list[dict[str, Any]], list[Any] | None], dict[str, Any] | None]] = {
    "openai": to_openai,
    "sharegpt": to_sharegpt,
    "alpaca": to_alpaca,
}
