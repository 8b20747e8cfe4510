"""Regenerate the bundled sample data (`python -m sft_assets.sample.make_sample`).

Every record here was written for this project. The files cover each supported format and container,
English and Chinese, and plant one defect of every quarantine class so the demo shows them all.
The output is deterministic: running this twice gives byte-identical files.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).parent / "data"


def _line(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def _chat(user: str, assistant: str, system: str | None = None) -> dict:
    messages = [{"role": "system", "content": system}] if system else []
    return {"messages": [*messages, {"role": "user", "content": user}, {"role": "assistant", "content": assistant}]}


CHAT_EN = [
    _chat("What is the boiling point of water at sea level?",
          "Water boils at 100 °C (212 °F) at standard sea-level pressure (1 atm)."),
    _chat("Give me a one-line Python expression that reverses a string s.", "Use slicing: `s[::-1]`."),
    _chat("Summarize the water cycle in two sentences.",
          "Water evaporates from oceans and lakes, condenses into clouds, and falls back as precipitation. "
          "It then flows through rivers and groundwater back to the sea, and the cycle repeats."),
    _chat("Translate 'good morning' into French.", "Bonjour.", system="You are a concise translator."),
    _chat("What does HTTP status 404 mean?",
          "404 Not Found: the server understood the request but has no resource at that URL."),
    _chat("Name three prime numbers greater than 10.", "11, 13 and 17."),
    {"messages": [
        {"role": "user", "content": "I want to learn to bake bread. Where do I start?"},
        {"role": "assistant", "content": "Start with a simple no-knead loaf: flour, water, salt and yeast, left to rise overnight."},
        {"role": "user", "content": "How long should it rise?"},
        {"role": "assistant", "content": "About 12 to 18 hours at room temperature, until it has doubled and is bubbly."},
    ]},
    {"messages": [
        {"role": "user", "content": "What's the weather in Paris right now?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {
            "name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp_c\": 14, \"sky\": \"overcast\"}"},
        {"role": "assistant", "content": "It is 14 °C and overcast in Paris."},
    ], "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city",
                                                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                                "required": ["city"]}}}]},
    # consecutive user turns: merged under the default consecutive_turns: merge
    {"messages": [
        {"role": "user", "content": "Quick question."},
        {"role": "user", "content": "How many continents are there?"},
        {"role": "assistant", "content": "Seven, by the most common convention."},
    ], "id": "kept-unknown-field"},
    _chat("Explain what a hash function is in one sentence.",
          "A hash function maps data of any size to a fixed-size value, so equal inputs always give equal outputs."),
    # an exact duplicate of the first record up to case and whitespace (removed by exact dedup)
    _chat("what is the boiling point of water at  sea level?",
          "Water boils at 100 °C (212 °F) at standard sea-level pressure (1 atm)."),
]

CHAT_EN_BAD: list[bytes] = [
    b'{"messages": [{"role": "user", "content": "unterminated"}, ',  # invalid_json
    _line("just a string"),  # not_an_object
    _line({"prompt_text": "no messages here"}),  # missing_messages
    _line({"messages": [{"role": "wizard", "content": "hi"}, {"role": "assistant", "content": "hello"}]}),  # unknown_role
    _line({"messages": [{"role": "user"}, {"role": "assistant", "content": "hello"}]}),  # missing_content
    _line({"messages": [{"role": "user", "content": 42}, {"role": "assistant", "content": "hello"}]}),  # non_string_content
    _line({"messages": [{"role": "user", "content": "   "}, {"role": "assistant", "content": "hello"}]}),  # empty_turn
    _line({"messages": [{"role": "system", "content": "s"}, {"role": "assistant", "content": "hello"}]}),  # no_user_turn
    _line({"messages": [{"role": "user", "content": "anyone there?"}]}),  # no_assistant_turn
    _line({"messages": [{"role": "assistant", "content": "I speak first"},
                        {"role": "user", "content": "ok"}, {"role": "assistant", "content": "fine"}]}),  # roles_not_alternating
    _line(_chat("Repeat this long text.", "word " * 4000)),  # oversized_record (max_record_bytes: 16000)
    b'{"messages": [{"role": "user", "content": "nul\x00byte"}]}',  # nul_byte
    b'{"messages": [{"role": "user", "content": "caf\xe9"}, {"role": "assistant", "content": "ok"}]}',  # invalid_utf8
]

SHAREGPT_ZH = [
    {"conversations": [
        {"from": "human", "value": "请用一句话解释什么是光合作用。"},
        {"from": "gpt", "value": "光合作用是植物利用光能，把二氧化碳和水转化为葡萄糖并释放氧气的过程。"},
    ]},
    {"conversations": [
        {"from": "human", "value": "推荐三本适合初学者的编程书。"},
        {"from": "gpt", "value": "可以从《Python编程：从入门到实践》《笨办法学Python》和《计算机科学导论》开始。"},
        {"from": "human", "value": "哪一本最适合完全零基础？"},
        {"from": "gpt", "value": "《Python编程：从入门到实践》，它从安装环境讲起，练习也循序渐进。"},
    ], "source": "sample"},
    {"conversations": [
        {"from": "human", "value": "帮我查一下北京明天的天气。"},
        {"from": "function_call", "value": "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"北京\"}}"},
        {"from": "observation", "value": "{\"temp_c\": 3, \"sky\": \"晴\"}"},
        {"from": "gpt", "value": "北京明天晴，气温约3摄氏度。"},
    ], "tools": "[{\"name\": \"get_weather\", \"description\": \"查询城市天气\", \"parameters\": {\"type\": \"object\", "
                "\"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}]"},
    {"conversations": [
        {"from": "system", "value": "你是一名耐心的数学老师。"},
        {"from": "human", "value": "1/2 加 1/3 等于多少？"},
        {"from": "gpt", "value": "先通分：1/2 = 3/6，1/3 = 2/6，所以和是 5/6。"},
    ]},
    {"conversations": [{"role": "user", "content": "“画蛇添足”是什么意思？"},
                       {"role": "assistant", "content": "比喻做了多余的事，反而弄巧成拙。"}]},
    {"conversations": [{"from": "human", "value": "你好"}, {"from": "gpt", "value": ""}]},  # empty_turn
    {"conversations": [{"from": "human", "value": "什么是黑洞？"},
                       {"from": "function_call", "value": "not json"}]},  # invalid_tool_call
]

ALPACA_ZH = [
    {"instruction": "把下面的句子改写得更正式。", "input": "这事儿咱们明天再说吧。", "output": "此事我们明天再议。"},
    {"instruction": "列出中国的四大发明。", "input": "", "output": "造纸术、指南针、火药和印刷术。"},
    {"instruction": "写一句关于秋天的诗句。", "input": "", "output": "一叶知秋，满山红遍层林染。",
     "system": "你是一位古典诗词爱好者。"},
    {"instruction": "那冬天呢？", "input": "", "output": "窗含西岭千秋雪。",
     "history": [["写一句关于秋天的诗句。", "一叶知秋，满山红遍层林染。"]]},
    {"instruction": "计算 12 乘以 15。", "input": "", "output": "180"},
    {"instruction": "解释“温故而知新”。", "input": "", "output": None},  # missing_content
]

DOLLY_EN = [
    {"instruction": "Who wrote 'Pride and Prejudice'?", "context": "", "response": "Jane Austen, published in 1813.",
     "category": "open_qa"},
    {"instruction": "Summarize the passage.", "context": "The Amazon rainforest spans nine countries and holds about "
     "ten percent of known species.", "response": "The Amazon covers nine countries and hosts about 10% of species.",
     "category": "summarization"},
    {"instruction": "Classify each as fruit or vegetable: apple, carrot, banana.", "context": "",
     "response": "Apple: fruit. Carrot: vegetable. Banana: fruit.", "category": "classification"},
    {"instruction": "Brainstorm three names for a coffee shop.", "context": "",
     "response": "The Daily Grind, Bean There, and Brew Haven.", "category": "brainstorming"},
    # the same conversation as a chat_en record: a cross-source exact duplicate
    {"instruction": "Name three prime numbers greater than 10.", "context": "", "response": "11, 13 and 17.",
     "category": "open_qa"},
]

QA_ZH_ROWS = [
    ["问题", "回答", "类别"],
    ["长城有多长？", "明长城全长约8851.8公里。", "常识"],
    ["水的化学式是什么？", "H₂O，由两个氢原子和一个氧原子组成。", "化学"],
    ["一年有几个季节？", "四个：春、夏、秋、冬。", "常识"],
    ["“三人行必有我师”出自哪里？", "出自《论语·述而》。", "文学"],
]

FAQ_EN = [
    {"question": "How do I reset my password?", "answer": "Open Settings → Account → Reset password and follow the e-mail link."},
    {"question": "Can I export my data?", "answer": "Yes: Settings → Privacy → Export creates a ZIP of your data."},
    {"question": "Is there a dark mode?", "answer": "Yes, under Settings → Appearance."},
    {"question": "What payment methods are accepted?", "answer": ""},  # empty_turn
]


def write_all(out: Path = HERE) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def put(name: str, data: bytes) -> None:
        (out / name).write_bytes(data)
        written.append(out / name)

    put("chat_en.jsonl", b"\n".join([*map(_line, CHAT_EN), *CHAT_EN_BAD]) + b"\n")
    put("sharegpt_zh.json", b"\xef\xbb\xbf" + json.dumps(SHAREGPT_ZH, ensure_ascii=False, indent=1).encode("utf-8"))
    put("alpaca_zh.json", json.dumps(ALPACA_ZH, ensure_ascii=False, indent=1).encode("utf-16"))
    dolly = b"\r\n".join(map(_line, DOLLY_EN)) + b"\r\n"
    put("dolly_en.jsonl.gz", gzip.compress(dolly, mtime=0))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(QA_ZH_ROWS)
    put("qa_zh.csv", buffer.getvalue().encode("utf-8") + "多出的一行,有,太多,字段\n".encode())  # malformed_row
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(FAQ_EN), sink, compression="zstd")
    put("faq_en.parquet", sink.getvalue())
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path)
