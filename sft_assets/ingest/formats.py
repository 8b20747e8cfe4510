"""Source formats: detect which one a file is in, and convert one record into a `Conversation`.

Each converter takes a parsed record (dict, or list for bare message lists) and either returns a
`Conversation` or raises `RecordError` with a reason code. Fields a converter does not consume are
kept in `Conversation.meta`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from sft_assets.ingest.messages import ConsecutiveTurns, canonical_message, check_structure, text_content
from sft_assets.ingest.reasons import RecordError
from sft_assets.core.records import Conversation

FORMATS = ("openai", "sharegpt", "alpaca", "dolly", "prompt_completion", "qa")


@dataclass(frozen=True, slots=True)
class ConvertOptions:
    consecutive_turns: ConsecutiveTurns = "merge"
    # For tables: canonical field -> column name (user, assistant, system, category).
    columns: Mapping[str, str] | None = None


def _finish(
    raw_messages: list[Any],
    options: ConvertOptions,
    *,
    tools: Any = None,
    category: Any = None,
    meta: dict[str, Any],
) -> Conversation:
    messages = []
    extras: dict[str, Any] = {}
    for index, raw in enumerate(raw_messages):
        message, extra = canonical_message(raw, index)
        messages.append(message)
        if extra is not None:
            extras[str(index)] = extra
    if extras:
        meta["message_fields"] = extras
    messages = check_structure(messages, options.consecutive_turns)
    return Conversation(messages=messages, tools=_tools(tools), category=_category(category), meta=meta)


def _tools(raw: Any) -> list[Any] | None:
    if raw in (None, "", []):
        return None
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise RecordError("invalid_tool_call", f"tools is not valid JSON: {exc}") from None
    return raw if isinstance(raw, list) else [raw]


def _category(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        return raw.strip() or None
    if isinstance(raw, dict) and isinstance(raw.get("major"), list) and raw["major"]:
        return str(raw["major"][0])
    return orjson.dumps(raw).decode()


def _rest(record: Mapping[str, Any], consumed: Iterable[str]) -> dict[str, Any]:
    if len(record) == 1:
        return {}
    used = set(consumed)
    return {k: v for k, v in record.items() if k not in used}


# --- OpenAI chat ---------------------------------------------------------------------------------

def convert_openai(record: Any, options: ConvertOptions) -> Conversation:
    if isinstance(record, list):
        return _finish(record, options, meta={})
    if not isinstance(record, dict):
        raise RecordError("not_an_object", f"record is a {type(record).__name__}")
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RecordError("missing_messages", "no non-empty 'messages' list")
    tools = record.get("tools") or record.get("functions")
    return _finish(
        messages,
        options,
        tools=tools,
        category=record.get("category"),
        meta=_rest(record, ("messages", "tools", "functions", "category")),
    )


# --- ShareGPT ------------------------------------------------------------------------------------

def _sharegpt_turn(turn: Any, index: int) -> dict[str, Any]:
    if not isinstance(turn, dict):
        return turn  # canonical_message reports it
    speaker = turn.get("from", turn.get("role"))
    value = turn.get("value", turn.get("content"))
    extra = {k: v for k, v in turn.items() if k not in ("from", "value", "role", "content")}
    if speaker == "function_call":
        return {"role": "assistant", "content": None, "tool_calls": [_tool_call(value, index)], **extra}
    return {"role": speaker, "content": value, **extra}


def _tool_call(value: Any, index: int) -> dict[str, Any]:
    call = value
    if isinstance(value, str):
        try:
            call = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RecordError("invalid_tool_call", f"message {index} function_call is not JSON") from None
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        raise RecordError("invalid_tool_call", f"message {index} function_call has no name")
    arguments = call.get("arguments", {})
    if not isinstance(arguments, str):
        arguments = orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS).decode()
    return {"id": f"call_{index}", "type": "function", "function": {"name": call["name"], "arguments": arguments}}


def convert_sharegpt(record: Any, options: ConvertOptions) -> Conversation:
    if not isinstance(record, dict):
        raise RecordError("not_an_object", f"record is a {type(record).__name__}")
    turns = record.get("conversations", record.get("conversation"))
    if not isinstance(turns, list) or not turns:
        raise RecordError("missing_messages", "no non-empty 'conversations' list")
    messages = [_sharegpt_turn(t, i) for i, t in enumerate(turns)]
    system = record.get("system")
    if isinstance(system, str) and system.strip():
        messages.insert(0, {"role": "system", "content": system})
    return _finish(
        messages,
        options,
        tools=record.get("tools"),
        category=record.get("category"),
        meta=_rest(record, ("conversations", "conversation", "system", "tools", "category")),
    )


# --- Alpaca / Dolly / COIG-style instruction records -------------------------------------------

INSTRUCTION_KEYS = ("instruction", "input", "context", "output", "response", "system", "history")


def _instruction_conversation(
    record: Mapping[str, Any], options: ConvertOptions, *, category_keys: tuple[str, ...]
) -> Conversation:
    instruction = text_content(record.get("instruction"), "instruction", allow_none=False)
    extra_input = record.get("input", record.get("context"))
    extra_input = text_content(extra_input, "input", allow_none=True) or ""
    output = record.get("output", record.get("response"))
    output = text_content(output, "output", allow_none=False)
    user = f"{instruction}\n\n{extra_input}" if extra_input.strip() else instruction
    messages: list[Any] = []
    system = record.get("system")
    if isinstance(system, str) and system.strip():
        messages.append({"role": "system", "content": system})
    for turn, pair in enumerate(record.get("history") or []):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise RecordError("invalid_message", f"history entry {turn} is not a [user, assistant] pair")
        messages += [{"role": "user", "content": pair[0]}, {"role": "assistant", "content": pair[1]}]
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": output}]
    category = next((record[k] for k in category_keys if record.get(k) is not None), None)
    return _finish(messages, options, category=category, meta=_rest(record, (*INSTRUCTION_KEYS, *category_keys)))


def convert_alpaca(record: Any, options: ConvertOptions) -> Conversation:
    if not isinstance(record, dict):
        raise RecordError("not_an_object", f"record is a {type(record).__name__}")
    return _instruction_conversation(record, options, category_keys=("category",))


def convert_dolly(record: Any, options: ConvertOptions) -> Conversation:
    if not isinstance(record, dict):
        raise RecordError("not_an_object", f"record is a {type(record).__name__}")
    return _instruction_conversation(record, options, category_keys=("category", "task_type"))


# --- Single-turn pairs: prompt/completion, question/answer and mapped table columns --------------

QA_COLUMNS = {"user": "question", "assistant": "answer"}
PROMPT_COLUMNS = {"user": "prompt", "assistant": "completion"}


def _pair_conversation(record: Any, columns: Mapping[str, str]) -> tuple[list[Any], Any, dict[str, Any]]:
    if not isinstance(record, dict):
        raise RecordError("not_an_object", f"record is a {type(record).__name__}")
    messages: list[Any] = []
    system_col = columns.get("system")
    if system_col and isinstance(record.get(system_col), str) and record[system_col].strip():
        messages.append({"role": "system", "content": record[system_col]})
    for role in ("user", "assistant"):
        column = columns[role]
        if column not in record or record[column] is None:
            raise RecordError("missing_content", f"column {column!r} ({role}) is missing or empty")
        messages.append({"role": role, "content": record[column]})
    category = record.get(columns["category"]) if columns.get("category") else None
    return messages, category, _rest(record, columns.values())


def convert_qa(record: Any, options: ConvertOptions) -> Conversation:
    columns = options.columns or QA_COLUMNS
    messages, category, meta = _pair_conversation(record, columns)
    return _finish(messages, options, category=category, meta=meta)


def convert_prompt_completion(record: Any, options: ConvertOptions) -> Conversation:
    messages, category, meta = _pair_conversation(record, options.columns or PROMPT_COLUMNS)
    return _finish(messages, options, category=category, meta=meta)


CONVERTERS: dict[str, Callable[[Any, ConvertOptions], Conversation]] = {
    "openai": convert_openai,
    "sharegpt": convert_sharegpt,
    "alpaca": convert_alpaca,
    "dolly": convert_dolly,
    "prompt_completion": convert_prompt_completion,
    "qa": convert_qa,
}


def record_format(record: Any) -> str | None:
    """The format one record looks like, from its keys; None when it looks like none."""
    if isinstance(record, list):
        return "openai" if record and all(isinstance(m, dict) and "role" in m for m in record) else None
    if not isinstance(record, dict):
        return None
    keys = record.keys()
    if "messages" in keys:
        return "openai"
    if "conversations" in keys or "conversation" in keys:
        return "sharegpt"
    if "instruction" in keys:
        if "response" in keys or "context" in keys or "task_type" in keys:
            return "dolly"
        if "output" in keys:
            return "alpaca"
    if "prompt" in keys and "completion" in keys:
        return "prompt_completion"
    if "question" in keys and "answer" in keys:
        return "qa"
    return None


def detect_format(sample: Iterable[Any]) -> str | None:
    """The most common record format among a sample of a file's parsed records."""
    votes = Counter(f for f in map(record_format, sample) if f is not None)
    return votes.most_common(1)[0][0] if votes else None
