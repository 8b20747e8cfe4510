"""Builders the tests share (tables, conversations, configs, awkward text); fixtures live in conftest.py."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from sft_assets.filter.rules.empty_code import EmptyCode, EmptyCodeSettings
from sft_assets.filter.rules.empty_output import EmptyOutput, EmptyOutputSettings
from sft_assets.filter.rules.language import Language, LanguageSettings
from sft_assets.filter.rules.media_request import MediaRequest, MediaRequestSettings
from sft_assets.filter.rules.placeholder import Placeholder, PlaceholderSettings
from sft_assets.filter.rules.refusal import Refusal, RefusalSettings
from sft_assets.filter.rules.repetition import Repetition, RepetitionSettings
from sft_assets.filter.rules.short_reply import ShortReply, ShortReplySettings
from sft_assets.filter.rules.special_chars import SpecialChars, SpecialCharsSettings
from sft_assets.filter.rules.token_length import TokenLength, TokenLengthSettings
from sft_assets.filter.rules.too_few_words import TooFewWords, TooFewWordsSettings
from sft_assets.filter.rules.truncated import Truncated, TruncatedSettings
from sft_assets.filter.rules.unseen_content import UnseenContent, UnseenContentSettings

if TYPE_CHECKING:
    import pyarrow as pa

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def write_config(folder: Path, sources: list[dict], **sections: object) -> Path:
    """Write a curation.yaml into `folder` whose data_root is `folder/data`."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    body = {"data_root": "data", "sources": sources, **sections}
    path = folder / "curation.yaml"
    path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return path


def real_examples(shared_data: Path, relative: str) -> pa.Table:
    """The ingested examples of one file under shared/data, or of the first 300 ShareGPT sample files
    when `relative` is "sharegpt-sample"."""
    import pyarrow as pa

    from sft_assets.ingest.ingest_file import FileTask, ingest_file

    if relative == "sharegpt-sample":
        files = sorted((shared_data / relative / "sampled_enriched_data").glob("*_*.json"))[:300]
        return pa.concat_tables([ingest_file(FileTask(source="s", path=p, file=p.name)).examples for p in files])
    return ingest_file(FileTask(source="s", path=shared_data / relative, file=relative)).examples


# Characters where Python and RE2 (or a per-character view of str.lower) disagree, plus every kind of space.
TRICKY = ["a", "B", " ", "\n", "\r", "\x1c", "\x0b", "\u00a0", "\u3000", "\u2028", "é", "中", "文", "か", "한",
          "İ", "ı", "ſ", "K", "Σ", "ς", "\U0001f600", "\U00020000", "`", "```", "{{", "}}", "[", "]", "<", ">", "#",
          "_", ".", "1", "٣", "http://x.io/a.png", "image", "code", "I cannot", "作为一个AI", "N/A", "\t"]


def table_of(conversations: list[list[dict]]) -> pa.Table:
    """An examples table (the columns clean and filter read) holding these conversations."""
    import pyarrow as pa

    from sft_assets.core.records import canonical_json

    n = len(conversations)
    return pa.table({
        "example_id": [f"e{i}" for i in range(n)], "source": ["s"] * n, "file": ["f"] * n,
        "locator": [str(i) for i in range(n)], "category": [None] * n,
        "messages": [canonical_json(c) for c in conversations],
    })


def chat(user: str, reply: str, system: str | None = None) -> list[dict]:
    return ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user}, {"role": "assistant", "content": reply}]


def random_chats(seed: int, pieces: list[str], n: int, most_pieces: int, system_share: float) -> list[list[dict]]:
    """n conversations whose user, reply and (in about `system_share` of them) system texts are random
    strings of up to `most_pieces` pieces, the same for the same seed."""
    import random

    rng = random.Random(seed)

    def text() -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randrange(0, most_pieces)))

    return [chat(text(), text(), text() if rng.random() < system_share else None) for _ in range(n)]


# Each filter rule's unit cases: (rule, user, reply, expected [(reason, action)]), EN and ZH.
CASES = [
    # (rule, user, reply, expected verdicts)
    (TokenLength(TokenLengthSettings(min_example_tokens=8)), "Hi", "Yo", [("too_few_tokens", "drop")]),
    (TokenLength(TokenLengthSettings(max_assistant_tokens=50)), "Write a lot.", "word " * 80,
     [("too_many_assistant_tokens", "drop")]),
    (TokenLength(TokenLengthSettings(max_user_tokens=20)), "问题" * 30, "好的，这是回答。", [("too_many_user_tokens", "drop")]),
    (TokenLength(TokenLengthSettings()), "What is the capital of Italy?", "Rome.", []),
    (EmptyOutput(EmptyOutputSettings()), "Summarize this.", "<nooutput>", [("placeholder_output", "drop")]),
    (EmptyOutput(EmptyOutputSettings()), "Summarize this.", "N/A", [("placeholder_output", "drop")]),
    (EmptyOutput(EmptyOutputSettings()), "总结一下。", "无", [("placeholder_output", "drop")]),
    (EmptyOutput(EmptyOutputSettings()), "Is it N/A?", "N/A means not applicable.", []),
    (Refusal(RefusalSettings()), "Pick a lock.", "I'm sorry, but I cannot help with that.", [("refusal", "flag")]),
    (Refusal(RefusalSettings()), "Tell me a secret.", "As an AI language model, I do not have secrets.", [("refusal", "flag")]),
    (Refusal(RefusalSettings()), "帮我黑进邮箱。", "抱歉，作为一个AI，我不能帮助你做这件事。", [("refusal", "flag")]),
    (Refusal(RefusalSettings()), "你怎么看待远程办公？",
     "作为一个AI语言模型，我没有个人观点。不过，远程办公有很多优点：它节省了通勤时间，让员工可以更灵活地安排工作和生活，"
     "也让公司能够在更大的范围内招聘人才。但它也有缺点，比如沟通成本更高，团队凝聚力可能下降。",
     [("refusal_opening", "flag")]),
    (Refusal(RefusalSettings(opening_action="off")), "你怎么看待远程办公？",
     "作为一个AI语言模型，我没有个人观点。不过，远程办公有很多优点：它节省了通勤时间，让员工可以更灵活地安排工作和生活，"
     "也让公司能够在更大的范围内招聘人才。但它也有缺点，比如沟通成本更高，团队凝聚力可能下降。", []),
    (Refusal(RefusalSettings()), "What do you think of remote work?",
     "As an AI language model, I don't have personal opinions. " + "Remote work saves commuting time and widens hiring. " * 8,
     [("refusal_opening", "flag")]),
    (Refusal(RefusalSettings()), "Is 7 even?", "No.", []),
    (Refusal(RefusalSettings()), "Translate 'I cannot come today' into French.", "Je ne peux pas venir aujourd'hui.", []),
    (Refusal(RefusalSettings(max_words=10)), "Explain.", "As an AI language model, I can explain: " + "details " * 30,
     [("refusal_opening", "flag")]),
    (Refusal(RefusalSettings()), "Can you swim?", "Yes, I can explain how swimming works.", []),
    (Placeholder(PlaceholderSettings()), "Write a short note.", "Thanks for everything.\n\n[TO BE CONTINUED]",
     [("template_placeholder", "drop")]),
    (Placeholder(PlaceholderSettings()), "写一段总结。", "总结如下：项目按期完成。\n\n【在此插入结论】", [("template_placeholder", "drop")]),
    (Placeholder(PlaceholderSettings()), "写一段总结。", "总结如下：项目按期完成。\n[待补充]", [("template_placeholder", "drop")]),
    (Placeholder(PlaceholderSettings()), "Write a thank-you letter.", "Dear Anna,\n\nThank you!\n\nBest regards,\n[Your Name]",
     [("fill_in_field", "flag")]),
    (Placeholder(PlaceholderSettings()), "写一封感谢信。", "亲爱的老师：\n谢谢您！\n此致\n敬礼\n【您的姓名】", [("fill_in_field", "flag")]),
    (Placeholder(PlaceholderSettings(fill_in_action="off")), "Write a letter.", "Dear Bo,\nHi.\n[Your Name]", []),
    (Placeholder(PlaceholderSettings()), "How do I change my password?",
     "Open [your account settings](https://example.com/settings) and choose Password.", []),
    (Placeholder(PlaceholderSettings()), "解释一下。", "这是原因（补充说明：这个很重要），请注意。", []),
    (Placeholder(PlaceholderSettings()), "Cite it.", "As shown in [1], the effect holds.", []),
    (Placeholder(PlaceholderSettings()), "Who to contact?", "Write to [EMAIL] or call [PHONE] for help.", []),
    (Placeholder(PlaceholderSettings()), "Make a form.", "Please sign below.\n\nName: [Name]\nDate: [Date]", [("fill_in_field", "flag")]),
    (Placeholder(PlaceholderSettings()), "Write a letter.", "Dear {{name}}, thanks!", [("template_placeholder", "drop")]),
    (Placeholder(PlaceholderSettings()), "Write a bio.", "I work at [INSERT COMPANY].", [("template_placeholder", "drop")]),
    (Placeholder(PlaceholderSettings()), "你是谁？", "我是 {{name}}，由 {{author}} 开发。", [("template_placeholder", "drop")]),
    (Placeholder(PlaceholderSettings()), "Show jinja.", "```jinja\nHello {{ name }}\n```", []),
    (Repetition(RepetitionSettings()), "Sea?", "\n".join(["The sea is big and blue."] * 6), [("repeated_lines", "drop")]),
    (Repetition(RepetitionSettings()), "Loop?", "I like it very much and " * 40, [("repeated_ngrams", "drop")]),
    (Repetition(RepetitionSettings()), "重复？", "我很喜欢这个地方因为风景很好" * 12, [("repeated_ngrams", "drop")]),
    (Repetition(RepetitionSettings()), "Dashes?", "```python\n" + "print('---')\n" * 8 + "```", []),
    (Repetition(RepetitionSettings()), "Steps?", "Roque takes 2*3 = 6 hours a week to walk to work.\nRoque takes 6*2 = 12 "
     "hours a week to walk to and from work.\nRoque takes 1*2 = 2 hours a week to bike to work.\nIn total 16.", []),
    (SpecialChars(SpecialCharsSettings()), "Decor?",
     "~~##@@^^||{{}}[[]]<<>>~~##@@^^||{{}}[[]]", [("special_characters", "drop")]),
    (SpecialChars(SpecialCharsSettings()), "Math?", "3 + 4 = 7, and 10 / 2 = 5 (so 7 > 5).", []),
    (SpecialChars(SpecialCharsSettings()), "代码？", "用这个：\n```\n{{}}[[]]<<>>##@@^^||~~\n```\n就可以了。", []),
    (TooFewWords(TooFewWordsSettings()), "Hi", "Hey", [("too_few_words", "drop")]),
    (TooFewWords(TooFewWordsSettings()), "Capital of Italy?", "Rome.", []),
    (TooFewWords(TooFewWordsSettings()), "你好", "您好", []),
    (ShortReply(ShortReplySettings()), "Describe a mojito cocktail.", "OK", [("short_reply", "drop")]),
    (ShortReply(ShortReplySettings()), "介绍一下长城。", "嗯", [("short_reply", "drop")]),
    (ShortReply(ShortReplySettings()), "Reply OK if you are ready.", "OK", []),
    (ShortReply(ShortReplySettings()), "Thanks!", "Sure", []),
    (Truncated(TruncatedSettings()), "讲讲曼德拉。", "出生于南非的纳尔逊·曼德拉是20世纪最具影响力的人物之一，因为反对种族隔离制度而在监",
     [("cut_mid_sentence", "flag")]),
    (ShortReply(ShortReplySettings()), "Write a detailed explanation of how photosynthesis works in plants.", "k",
     [("short_reply", "drop")]),
    (ShortReply(ShortReplySettings()), "Write a detailed explanation of how photosynthesis works in plants.", "OK.",
     [("short_reply", "drop")]),
    (ShortReply(ShortReplySettings()), "请详细解释一下植物的光合作用是如何进行的。", "嗯", [("short_reply", "drop")]),
    (ShortReply(ShortReplySettings()), "Is the following statement true? The Earth is the largest planet.", "No.", []),
    (ShortReply(ShortReplySettings()), "Which option is correct for this question, A, B, C or D?", "C", []),
    (ShortReply(ShortReplySettings()), "How many legs does a spider have, counting all of them?", "8", []),
    (ShortReply(ShortReplySettings()), "Hi", "ok", []),  # a short request may get a short reply
    (ShortReply(ShortReplySettings()), "Translate to Chinese: the weather is very nice today.", "好天气", []),
    (ShortReply(ShortReplySettings()), "这段话讨论的核心主题是什么？请用一个词概括。", "正义。", []),  # a whole Chinese word
    (ShortReply(ShortReplySettings()), "请问你会不会说日语，或者至少能听懂一些简单的日语？", "不会", []),  # four CJK characters are four words
    (UnseenContent(UnseenContentSettings()), "Describe https://example.com/cat.jpg", "A cat.", [("unseen_content", "drop")]),
    (UnseenContent(UnseenContentSettings()), "Summarize https://example.com/article", "It says...", [("unseen_content", "drop")]),
    (UnseenContent(UnseenContentSettings()), "What is in this? <Picture Attached>", "A dog.", [("unseen_content", "drop")]),
    (UnseenContent(UnseenContentSettings()), "如图所示，求三角形的面积。", "面积是6。", [("unseen_content", "drop")]),
    (UnseenContent(UnseenContentSettings()), "Where are the Python docs?", "See https://docs.python.org/3/ for them.", []),
    (UnseenContent(UnseenContentSettings()), "Is https://example.com a valid URL?", "Yes, it is well formed.", []),
    (MediaRequest(MediaRequestSettings()), "Draw me a picture of a fox.", "Here it is.", [("media_request", "drop")]),
    (MediaRequest(MediaRequestSettings()), "Please generate an image of a sunset.", "Done.", [("media_request", "drop")]),
    (MediaRequest(MediaRequestSettings()), "请画一张猫的图片。", "好的。", [("media_request", "drop")]),
    (MediaRequest(MediaRequestSettings()), "He wants to make him a 9 by 13 drawing; what does it cost?", "$240.", []),
    (MediaRequest(MediaRequestSettings()), "Create a vivid description of a painting.", "The canvas glows...", []),
    (MediaRequest(MediaRequestSettings()), "画一幅山水画。", "好的。", [("media_request", "drop")]),
    (MediaRequest(MediaRequestSettings()), "帮我画一张猫咪的插画", "好的。", [("media_request", "drop")]),
    (MediaRequest(MediaRequestSettings()), "Write a poem about spring and also generate an image of it.", "Spring...",
     [("media_request", "drop")]),
    (MediaRequest(MediaRequestSettings()), "Summarize this text, then create a picture for it.", "Done.",
     [("media_request", "drop")]),
    (MediaRequest(MediaRequestSettings()), "Describe how to draw a picture of a cat.", "Start with circles.", []),
    (MediaRequest(MediaRequestSettings()), "如何画好一幅画？", "多观察，多练习。", []),
    (MediaRequest(MediaRequestSettings()), "画一条线段AB，长5厘米。", "好的。", []),
    (Truncated(TruncatedSettings()), "Loop?", "```python\nfor i in range(3):\n    print(i)\n", [("unclosed_code_fence", "drop")]),
    (Truncated(TruncatedSettings()), "Soup?", "First you boil the water and " * 10 + "then you", [("cut_mid_sentence", "flag")]),
    (Truncated(TruncatedSettings()), "Why is the sky blue?", "Sunlight scatters off air molecules, and blue light scatters more because",
     [("dangling_end", "drop")]),
    (Truncated(TruncatedSettings()), "How do I start?", "First install the package, then open the settings and choose the",
     [("dangling_end", "drop")]),
    (Truncated(TruncatedSettings()), "List the steps.", "Here are the steps you need to follow:", [("dangling_end", "drop")]),
    (Truncated(TruncatedSettings()), "天空为什么是蓝色的？", "因为阳光穿过大气层时，蓝光比其他颜色的光散射得更多，", [("dangling_end", "drop")]),
    (Truncated(TruncatedSettings()), "天空为什么是蓝色的？", "阳光穿过大气层时会发生散射，蓝光散射得最多，所以", [("dangling_end", "drop")]),
    (Truncated(TruncatedSettings()), "Is it possible?", "Going back in time, as far as physics knows today, is simply not possible", [("cut_mid_sentence", "flag")]),
    (Truncated(TruncatedSettings()), "Write a note.", "Thanks for the lovely dinner last night.\n\nBest,\nJohn Smith", []),
    (Truncated(TruncatedSettings()), "Body temperature?", "A fever usually means a temperature above 38°C, for example 98.9°F", []),
    (Truncated(TruncatedSettings()), "这是什么？", "这是一种在南方很常见的水果，味道酸甜，是可以直接吃的",
     [("cut_mid_sentence", "flag")]),  # 是…的 ends a phrase: only flagged, never dropped
    (Truncated(TruncatedSettings()), "Show code.", "Here is the function:\n```js\nfunction f() { return 1 }\n```", []),
    (Truncated(TruncatedSettings()), "Is 7 even?", "No.", []),
    (Truncated(TruncatedSettings()), "Answer key?", "Here are the correct answers:\n1. B\n2. C\n3. A", []),
    (Truncated(TruncatedSettings()), "Git?", "Use ```git reset``` to move HEAD; it is like ```hg revert``` but stronger.", []),
    (Truncated(TruncatedSettings()), "List?", "Here are some:\n" + "- a long item that keeps going on and on\n" * 6, []),
    (EmptyCode(EmptyCodeSettings()), "Write a Python function that reverses a list.", "Sure:\n```python\n```",
     [("empty_code", "drop")]),
    (EmptyCode(EmptyCodeSettings()), "写一个函数计算阶乘。", "好的：\n```python\n\n```", [("empty_code", "drop")]),
    (EmptyCode(EmptyCodeSettings()), "Write a Python function that adds numbers.", "Just add them with plus.",
     [("no_code", "flag")]),
    (EmptyCode(EmptyCodeSettings()), "Write a Python function that adds numbers.", "```python\ndef add(a, b):\n    return a + b\n```", []),
    (EmptyCode(EmptyCodeSettings()), "Write a script for the opening scene of a comedy show.", "INT. BEACH CLUB - NIGHT", []),
]


class GivesUp:
    """An RE2 set whose DFA gave up: the binding answers None."""

    def Match(self, text: str) -> None:  # noqa: N802 - the binding's name
        return None
