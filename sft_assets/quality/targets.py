"""What each trainer expects of one exported record: `sft-assets validate --target T` and the blocking
check on the exports run these. Each returns the record's problems (empty when the trainer reads it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from sft_assets.quality.format_rules import cookbook_errors

PROMPT_SIDE, REPLY_SIDE = ("human", "observation"), ("gpt", "function_call")
XTUNER_KEYS = {"role", "content", "loss", "tool_calls", "tool_call_id", "name"}


def openai_problems(record: Any) -> list[str]:
    problems = sorted(cookbook_errors(record))
    for m in (record.get("messages") or []) if isinstance(record, dict) else []:
        if isinstance(m, dict) and "weight" in m and (m.get("role") != "assistant" or m["weight"] not in (0, 1)):
            problems.append("weight_not_0_or_1_on_an_assistant_turn")
    return problems


def sharegpt_problems(record: Any) -> list[str]:
    if not isinstance(record, dict) or not isinstance(record.get("conversations"), list) or not record["conversations"]:
        return ["missing_conversations"]
    problems = []
    turns = record["conversations"]
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
            problems.append(f"turn_{i + 1}_not_a_from_value_pair")
            continue
        if turn.get("from") not in (PROMPT_SIDE if i % 2 == 0 else REPLY_SIDE):
            problems.append(f"turn_{i + 1}_{turn.get('from')}_on_{'an_odd' if i % 2 == 0 else 'an_even'}_position")
        if turn.get("from") == "function_call":
            try:
                calls = orjson.loads(turn["value"])
            except orjson.JSONDecodeError:
                problems.append(f"turn_{i + 1}_function_call_not_json")
                continue
            if not all(isinstance(c, dict) and "name" in c and "arguments" in c
                       for c in (calls if isinstance(calls, list) else [calls])):
                problems.append(f"turn_{i + 1}_function_call_without_name_and_arguments")
    if len(turns) % 2:
        problems.append("ends_on_a_prompt_turn")
    if "tools" in record:
        try:
            if not isinstance(record["tools"], str) or not isinstance(orjson.loads(record["tools"]), list):
                problems.append("tools_not_a_json_string_of_a_list")
        except orjson.JSONDecodeError:
            problems.append("tools_not_a_json_string_of_a_list")
    if "system" in record and not isinstance(record["system"], str):
        problems.append("system_not_a_string")
    return problems


def alpaca_problems(record: Any) -> list[str]:
    if not isinstance(record, dict):
        return ["not_an_object"]
    problems = [f"{k}_missing_or_empty" for k in ("instruction", "output")
                if not isinstance(record.get(k), str) or not record[k].strip()]
    if not isinstance(record.get("input", ""), str):
        problems.append("input_not_a_string")
    history = record.get("history", [])
    if not isinstance(history, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in history):
        problems.append("history_not_a_list_of_pairs")
    return problems


def xtuner_problems(record: Any) -> list[str]:
    if not isinstance(record, dict) or not isinstance(record.get("messages"), list) or not record["messages"]:
        return ["missing_messages"]
    problems = []
    for i, m in enumerate(record["messages"]):
        if not isinstance(m, dict):
            problems.append(f"message_{i + 1}_not_an_object")
            continue
        if set(m) - XTUNER_KEYS:
            problems.append(f"message_{i + 1}_extra_keys_{'_'.join(sorted(set(m) - XTUNER_KEYS))}")
        if "loss" in m and not isinstance(m["loss"], bool):
            problems.append(f"message_{i + 1}_loss_not_a_bool")
        for call in m.get("tool_calls") or []:
            if not isinstance(call.get("function", {}).get("arguments"), str):
                problems.append(f"message_{i + 1}_tool_arguments_not_a_json_string")
    return problems


TARGETS: dict[str, Callable[[Any], list[str]]] = {
    "openai": openai_problems, "sharegpt": sharegpt_problems, "alpaca": alpaca_problems, "xtuner": xtuner_problems,
}


def file_problems(target: str, data: bytes) -> tuple[int, dict[str, int], list[int]]:
    """(records, problems per kind, first failing line numbers) of a JSONL file for a target."""
    check = TARGETS[target]
    counts: dict[str, int] = {}
    failing: list[int] = []
    records = 0
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        records += 1
        try:
            problems = check(orjson.loads(line))
        except orjson.JSONDecodeError:
            problems = ["invalid_json"]
        for p in problems:
            counts[p] = counts.get(p, 0) + 1
        if problems and len(failing) < 10:
            failing.append(number)
    return records, counts, failing
