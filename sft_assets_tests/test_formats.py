"""Per-record conversion: every format, and the exact reason for every rejection."""

from __future__ import annotations

from typing import Any

import pytest

from sft_assets.ingest.formats import CONVERTERS, ConvertOptions, detect_format, record_format
from sft_assets.ingest.reasons import RecordError

MERGE = ConvertOptions()
REJECT = ConvertOptions(consecutive_turns="reject")


def u(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def a(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def convert(fmt: str, record: Any, options: ConvertOptions = MERGE):
    return CONVERTERS[fmt](record, options)


def test_openai_record_with_tools_keeps_calls_and_definitions() -> None:
    tools = [{"type": "function", "function": {"name": "lookup"}}]
    record = {
        "messages": [
            {"role": "system", "content": "be brief"},
            u("find x"),
            {"role": "assistant", "content": None,
             "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "x=1"},
            a("x is 1"),
        ],
        "tools": tools,
        "id": 7,
    }
    conv = convert("openai", record)
    assert [m["role"] for m in conv.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert conv.messages[2]["tool_calls"][0]["function"]["name"] == "lookup"
    assert conv.messages[3]["tool_call_id"] == "c1"
    assert conv.tools == tools
    assert conv.meta == {"id": 7}


def test_openai_bare_list_and_content_parts() -> None:
    conv = convert("openai", [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
                              a("ok")])
    assert conv.messages[0] == {"role": "user", "content": "ab"}


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("text", "not_an_object"),
        ({"other": 1}, "missing_messages"),
        ({"messages": []}, "missing_messages"),
        ({"messages": ["hi", a("x")]}, "invalid_message"),
        ({"messages": [{"content": "hi"}, a("x")]}, "missing_role"),
        ({"messages": [{"role": "narrator", "content": "hi"}, a("x")]}, "unknown_role"),
        ({"messages": [{"role": "user"}, a("x")]}, "missing_content"),
        ({"messages": [{"role": "user", "content": 3}, a("x")]}, "non_string_content"),
        ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}, a("x")]},
         "unsupported_content"),
        ({"messages": [u(" \n\t"), a("x")]}, "empty_turn"),
        ({"messages": [{"role": "system", "content": "s"}, a("x")]}, "no_user_turn"),
        ({"messages": [u("q")]}, "no_assistant_turn"),
        ({"messages": [a("first"), u("q"), a("x")]}, "roles_not_alternating"),
        ({"messages": [u("q"), a("x"), u("dangling")]}, "roles_not_alternating"),
        ({"messages": [u("q"), {"role": "system", "content": "late"}, a("x")]}, "roles_not_alternating"),
        ({"messages": [u("q"), {"role": "tool", "content": "r"}, a("x")]}, "roles_not_alternating"),
    ],
)
def test_openai_rejections_name_the_reason(record: Any, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        convert("openai", record)
    assert caught.value.code == reason


def test_consecutive_turns_merge_or_reject() -> None:
    record = {"messages": [u("part one"), u("part two"), a("answer")]}
    merged = convert("openai", record, MERGE)
    assert merged.messages == [u("part one\n\npart two"), a("answer")]
    with pytest.raises(RecordError) as caught:
        convert("openai", record, REJECT)
    assert caught.value.code == "roles_not_alternating"
    assert "messages 0 and 1 are both user" in caught.value.detail


def test_role_aliases_map_to_canonical_roles() -> None:
    conv = convert("openai", {"messages": [{"role": "developer", "content": "s"}, {"role": "human", "content": "q"},
                                           {"role": "model", "content": "x"}]})
    assert [m["role"] for m in conv.messages] == ["system", "user", "assistant"]


def test_sharegpt_with_function_call_observation_and_tools_string() -> None:
    record = {
        "conversations": [
            {"from": "human", "value": "天气？"},
            {"from": "function_call", "value": '{"name": "weather", "arguments": {"city": "北京"}}'},
            {"from": "observation", "value": '{"t": 3}'},
            {"from": "gpt", "value": "3度"},
        ],
        "system": "你是助手",
        "tools": '[{"name": "weather"}]',
    }
    conv = convert("sharegpt", record)
    assert [m["role"] for m in conv.messages] == ["system", "user", "assistant", "tool", "assistant"]
    call = conv.messages[2]["tool_calls"][0]
    assert call["function"] == {"name": "weather", "arguments": '{"city":"北京"}'}
    assert conv.tools == [{"name": "weather"}]


def test_sharegpt_role_content_variant() -> None:
    conv = convert("sharegpt", {"conversations": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "x"}]})
    assert conv.messages == [u("q"), a("x")]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"conversations": [{"from": "human", "value": "q"}, {"from": "function_call", "value": "nope"}]},
         "invalid_tool_call"),
        ({"conversations": [{"from": "human", "value": "q"}, {"from": "robot", "value": "x"}]}, "unknown_role"),
        ({"conversations": []}, "missing_messages"),
        ({"conversations": [{"from": "gpt", "value": "x"}]}, "no_user_turn"),
    ],
)
def test_sharegpt_rejections(record: Any, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        convert("sharegpt", record)
    assert caught.value.code == reason


def test_alpaca_with_input_system_and_history() -> None:
    record = {"instruction": "Translate", "input": "bonjour", "output": "hello", "system": "sys",
              "history": [["hi", "hey"]], "extra": 1}
    conv = convert("alpaca", record)
    assert conv.messages == [{"role": "system", "content": "sys"}, u("hi"), a("hey"), u("Translate\n\nbonjour"),
                             a("hello")]
    assert conv.meta == {"extra": 1}


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"instruction": "q", "input": "", "output": None}, "missing_content"),
        ({"instruction": "q", "input": "", "output": ""}, "empty_turn"),
        ({"instruction": "q", "input": "", "output": ["x"]}, "non_string_content"),
        ({"instruction": "q", "output": "x", "history": [["only one"]]}, "invalid_message"),
    ],
)
def test_alpaca_rejections(record: Any, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        convert("alpaca", record)
    assert caught.value.code == reason


def test_dolly_and_coig_style_records() -> None:
    dolly = convert("dolly", {"instruction": "Sum up", "context": "Long text", "response": "Short", "category": "summarization"})
    assert dolly.messages == [u("Sum up\n\nLong text"), a("Short")]
    assert dolly.category == "summarization"
    coig = convert("dolly", {"instruction": "问", "input": "", "output": "答",
                             "task_type": {"major": ["问答"], "minor": ["逻辑问答"]}, "domain": ["通用"]})
    assert coig.category == "问答"
    assert coig.meta == {"domain": ["通用"]}


def test_qa_with_column_mapping_and_prompt_completion() -> None:
    options = ConvertOptions(columns={"user": "问题", "assistant": "回答", "category": "类别"})
    conv = convert("qa", {"问题": "几点了", "回答": "三点", "类别": "常识", "id": "9"}, options)
    assert conv.messages == [u("几点了"), a("三点")]
    assert conv.category == "常识"
    assert conv.meta == {"id": "9"}
    pc = convert("prompt_completion", {"prompt": "2+2=", "completion": "4"})
    assert pc.messages == [u("2+2="), a("4")]
    with pytest.raises(RecordError) as caught:
        convert("qa", {"question": "q"})
    assert caught.value.code == "missing_content"


@pytest.mark.parametrize(
    ("record", "fmt"),
    [
        ({"messages": []}, "openai"),
        ([{"role": "user", "content": "q"}], "openai"),
        ({"conversations": []}, "sharegpt"),
        ({"instruction": "i", "input": "", "output": "o"}, "alpaca"),
        ({"instruction": "i", "context": "", "response": "o"}, "dolly"),
        ({"instruction": "i", "input": "", "output": "o", "task_type": "x"}, "dolly"),
        ({"prompt": "p", "completion": "c"}, "prompt_completion"),
        ({"question": "q", "answer": "a"}, "qa"),
        ({"title": "t"}, None),
        ("text", None),
    ],
)
def test_record_format(record: Any, fmt: str | None) -> None:
    assert record_format(record) == fmt


def test_detect_format_takes_the_majority() -> None:
    assert detect_format([{"messages": []}, {"messages": []}, {"question": "q", "answer": "a"}, 5]) == "openai"
    assert detect_format([{"title": "x"}]) is None
