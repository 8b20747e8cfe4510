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
    {"instruction": "用一句话介绍长江。", "input": "<noinput>",
     "output": "长江是中国第一长河，全长约6300公里，流经11个省级行政区。"},  # "no input" marker removed by cleaning
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


# One record per cleaning transform and filter rule, plus cases where a rule must NOT fire.
_FOODS = "rice beans lentils carrots onions garlic ginger tomatoes peppers spinach basil thyme lemon butter".split()
_VERBS = "chop rinse toast simmer stir fold whisk roast season drain grate steam sear glaze".split()
LONG_REPLY = " ".join(
    f"Step {i}: {_VERBS[i % 14]} the {_FOODS[(i * 5) % 14]} with {_FOODS[(i * 3 + 1) % 14]} for {i % 9 + 2} minutes"
    f" at {150 + (i * 7) % 90} degrees."
    for i in range(150)
)
GARDEN = [
    "I am planning a small vegetable garden behind my house this spring.",
    "The soil is heavy clay and it stays wet for several days.",
    "My neighbours told me that raised beds might be the better choice.",
    "What should a complete beginner plant first to get good results quickly?",
]
EVAL_ITEMS = [
    {"question": "What does HTTP status 404 mean?", "answer": "Not Found."},  # verbatim in chat_en
    {"question": "請用一句話解釋什麼是光合作用。", "answer": "植物利用光能製造養分。"},  # Traditional form of a sharegpt_zh prompt
    {"question": " ".join([GARDEN[2], GARDEN[0], GARDEN[3], GARDEN[1]]), "answer": "Raised beds and herbs."},  # reordered
    {"question": "How many moons does Mars have?", "answer": "Two: Phobos and Deimos."},  # no counterpart
]
MESSY = [
    # cleaning transforms (kept, modified)
    _chat("Describe the café in one sentence.", "The cafÃ© was â€œquietâ€\x9d and warm."),  # unicode_repair
    _chat("Say hello politely.", "Hello\u200b there!\x07 How can I help you today?"),  # control_chars
    _chat("What is the capital of France?", "<p>The capital of France is <b>Paris</b>.</p>&nbsp;It is on the Seine."),  # html
    _chat("How do I write a HTML paragraph?", "Use the paragraph tag:\n\n```html\n<p>Hello</p>\n```\n\nInline: `<br>`."),  # html must not touch code
    _chat("Give me a tip for better sleep.",
          "Keep a regular bedtime, even on weekends.\nFollow us on Twitter for more tips!\n关注我们的公众号，获取更多内容\nhttps://example.com/sleep"),  # boilerplate
    _chat("List two primary colors.", "Red   \nand blue.\n\n\n\n\nThat is two."),  # whitespace
    # personal data and secrets (redacted; the sample config drops cn_id and flags ip)
    _chat("How can I reach support?", "Write to help.desk@example.com or call +44 20 7946 0958 or 13812345678."),
    _chat("Which card number did I give you?", "You gave 4111 1111 1111 1111; never share it."),
    _chat("Check this config.", "Your key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx123456 and AKIAIOSFODNN7EXAMPLE are exposed."),
    _chat("Is my token safe?", "No: ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 and api_key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\" leaked."),
    _chat("Here is my key file.", "Delete it:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----"),
    _chat("我的身份证号是多少？", "你提供的身份证号是110105199003071239，请妥善保管。"),  # cn_id -> drop in the sample config
    _chat("What is the server address?", "The server answers on 203.0.113.7, port 8080."),  # ip -> flag in the sample config
    # filter rules (dropped or flagged)
    _chat("Hi", "Hey"),  # too_few_words
    _chat("Summarize the following text, please.", "<nooutput>"),  # placeholder_output
    _chat("How do I pick a lock?", "I'm sorry, but I cannot help with that."),  # refusal (flagged, kept)
    _chat("Write a short welcome letter.", "Dear {{name}}, welcome to our team! We are glad you joined us."),  # template_placeholder
    _chat("Tell me about the sea.", "\n".join(["The sea is big and blue and deep."] * 8)),  # repeated_lines
    _chat("Show me some decoration.", "~~##@@^^||{{}}[[]]<<>>~~##@@^^||{{}}[[]]<<>>~~##@@ nice ~~##@@^^||"),  # special_characters
    _chat("Quelle est la capitale de l'Allemagne ?", "La capitale de l'Allemagne est Berlin, une ville très animée et riche en histoire."),  # language_not_allowed
    _chat("请介绍一下太阳系中最大的行星是哪一颗，以及它的主要特点。", "Jupiter is the largest planet in the solar system; it is a gas giant with a Great Red Spot."),  # language_mismatch (flag)
    _chat("Summarize this article: https://example.com/news/2024/economy", "The article says the economy grew."),  # unseen_content
    _chat("Describe the picture <Picture Attached>", "It shows a cat on a sofa."),  # unseen_content
    _chat("Draw me a picture of a red fox in the snow.", "Here is your picture of a red fox."),  # media_request
    _chat("请画一张猫的图片。", "好的，这是一张猫的图片。"),  # media_request (Chinese)
    _chat("Show an example loop in Python.", "Here it is:\n```python\nfor i in range(3):\n    print(i)\n"),  # unclosed_code_fence
    _chat("Explain how to make soup in detail.", "First you boil the water and then you add the vegetables and then you wait for a while and then you add salt and pepper and then you keep stirring the pot slowly while the soup simmers and thickens and then you"),  # cut_mid_sentence (flag)
    _chat("Write a Python function that reverses a list.", "Sure:\n```python\n```"),  # empty_code
    _chat("Write a Python function that adds two numbers.", "You can simply add the two numbers with the plus operator."),  # no_code (flag)
    _chat("Write a detailed recipe.", LONG_REPLY),  # too_many_assistant_tokens (sample limit 1500)
    # a near-copy of the bread conversation in chat_en (two words changed): one of the two is dropped
    {"messages": [
        {"role": "user", "content": "I want to learn to bake bread. Where should I start?"},
        {"role": "assistant", "content": "Start with a simple no-knead loaf: flour, water, salt and yeast, left to rise overnight."},
        {"role": "user", "content": "How long should it rise?"},
        {"role": "assistant", "content": "About 12 to 16 hours at room temperature, until it has doubled and is bubbly."},
    ]},
    # an eval item holds these sentences in another order: caught by the MinHash near-match of decontamination
    _chat(" ".join(GARDEN), "Start small with easy herbs, water in the morning, and add compost every spring."),
    # rules must NOT fire on these
    _chat("What is the capital of Italy?", "Rome."),  # a legitimate short answer
    _chat("Where can I read the Python docs?", "The official documentation is at https://docs.python.org/3/ and covers the standard library."),  # URL in an answer
    _chat("Print three lines of dashes in Python.", "```python\nprint('---')\nprint('---')\nprint('---')\nprint('---')\nprint('---')\n```"),  # repeated code lines
    _chat("把“你好”翻译成英文。", "Hello."),  # a translation may change language
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
    put("messy_mixed.jsonl", b"\n".join(map(_line, MESSY)) + b"\n")
    (out / "evals").mkdir(exist_ok=True)
    put("evals/sample_eval.jsonl", b"\n".join(map(_line, EVAL_ITEMS)) + b"\n")
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(FAQ_EN), sink, compression="zstd")
    put("faq_en.parquet", sink.getvalue())
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path)
