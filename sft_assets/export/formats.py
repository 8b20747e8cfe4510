"""Render a canonical example into each export format's record (None: the format cannot hold it).

ShareGPT follows LLaMA-Factory's reading of it: `tools` is a JSON string; an assistant turn's tool calls
are one `function_call` turn (several parallel calls as one JSON list); consecutive tool results merge
into one `observation` turn (a JSON list when there are several); human/observation turns sit on odd
positions and gpt/function_call turns on even ones, or the trainer silently skips the example. XTuner
takes OpenAI messages with a per-message `loss` flag and tool-call arguments as JSON strings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

SHAREGPT_FROM = {"user": "human", "assistant": "gpt"}
PROMPT_SIDE, REPLY_SIDE = ("human", "observation"), ("gpt", "function_call")


def to_openai(messages: list[dict[str, Any]], tools: list[Any] | None) -> dict[str, Any]:
    record: dict[str, Any] = {"messages": messages}
    if tools:
        record["tools"] = tools
    return record


def _arguments(value: Any) -> Any:
    try:
        return orjson.loads(value) if isinstance(value, str) else value
    except orjson.JSONDecodeError:
        return value


def _calls_value(calls: list[dict[str, Any]]) -> str:
    parsed = [{"name": c.get("function", {}).get("name"), "arguments": _arguments(c.get("function", {}).get("arguments", "{}"))}
              for c in calls]
    return orjson.dumps(parsed[0] if len(parsed) == 1 else parsed).decode()


def to_sharegpt(messages: list[dict[str, Any]], tools: list[Any] | None) -> dict[str, Any] | None:
    record: dict[str, Any] = {}
    turns: list[dict[str, str]] = []
    results: list[str] = []

    def flush_results() -> None:
        if results:
            value = results[0] if len(results) == 1 else orjson.dumps([_arguments(r) for r in results]).decode()
            turns.append({"from": "observation", "value": value})
            results.clear()

    for m in messages:
        if m["role"] == "system":
            if turns or "system" in record:
                return None  # a system turn mid-conversation has no place in this format
            record["system"] = m.get("content") or ""
            continue
        if m["role"] == "tool":
            results.append(m.get("content") or "")
            continue
        flush_results()
        if m.get("tool_calls"):
            if (m.get("content") or "").strip():
                return None  # text beside the calls would be lost
            turns.append({"from": "function_call", "value": _calls_value(m["tool_calls"])})
            continue
        turns.append({"from": SHAREGPT_FROM[m["role"]], "value": m.get("content") or ""})
    flush_results()
    if not turns or len(turns) % 2 or any(t["from"] not in (PROMPT_SIDE if i % 2 == 0 else REPLY_SIDE)
                                          for i, t in enumerate(turns)):
        return None
    record["conversations"] = turns
    if tools:
        record["tools"] = orjson.dumps(tools).decode()
    return record


def to_alpaca(messages: list[dict[str, Any]], tools: list[Any] | None) -> dict[str, Any] | None:
    """Alpaca holds plain user/assistant pairs only (earlier pairs in `history`); tool conversations and
    system turns after the first are not representable."""
    if tools or any(m["role"] == "tool" or m.get("tool_calls") for m in messages):
        return None
    if any(m["role"] == "system" for m in messages[1:]):
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


def to_xtuner(messages: list[dict[str, Any]], tools: list[Any] | None) -> dict[str, Any]:
    """OpenAI messages where only assistant turns carry loss; tool-call arguments as JSON strings."""
    out = []
    for m in messages:
        message: dict[str, Any] = {"role": m["role"], "content": m.get("content") or ""}
        if m.get("tool_calls"):
            message["tool_calls"] = [
                {**c, "function": {**c.get("function", {}), "arguments": c.get("function", {}).get("arguments")
                                   if isinstance(c.get("function", {}).get("arguments"), str)
                                   else orjson.dumps(c.get("function", {}).get("arguments")).decode()}}
                for c in m["tool_calls"]]
        if m.get("tool_call_id"):
            message["tool_call_id"] = m["tool_call_id"]
        message["loss"] = m["role"] == "assistant"
        out.append(message)
    record: dict[str, Any] = {"messages": out}
    if tools:
        record["tools"] = tools
    return record


RENDERERS: dict[str, Callable[[list[dict[str, Any]], list[Any] | None], dict[str, Any] | None]] = {
    "openai": to_openai,
    "sharegpt": to_sharegpt,
    "alpaca": to_alpaca,
    "xtuner": to_xtuner,
}


def llamafactory_entry(fmt: str, relative: str) -> dict[str, Any] | None:
    """The dataset_info.json entry LLaMA-Factory reads a written file with (None: not a LLaMA-Factory format)."""
    if fmt == "sharegpt":
        return {"file_name": relative, "formatting": "sharegpt",
                "columns": {"messages": "conversations", "system": "system", "tools": "tools"}}
    if fmt == "alpaca":
        return {"file_name": relative, "formatting": "alpaca",
                "columns": {"prompt": "instruction", "query": "input", "response": "output", "system": "system",
                            "history": "history"}}
    if fmt == "openai":
        return {"file_name": relative, "formatting": "openai", "columns": {"messages": "messages"},
                "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                         "assistant_tag": "assistant", "system_tag": "system"}}
    return None
