"""Each filter rule on its own: the exact verdict where it fires, nothing where it must not (EN and ZH)."""

from __future__ import annotations

import pytest

from sft_assets.filter import rules as r
from sft_assets.filter import settings as s
from sft_assets.filter.apply import build_rules, evaluate
from sft_assets.filter.langid import detect_language, script_family


def view(user: str, reply: str, system: str | None = None) -> r.ExampleView:
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user}, {"role": "assistant", "content": reply}]
    return r.ExampleView(messages)


def fired(rule, user: str, reply: str) -> list[tuple[str, str]]:
    return [(v.rule, v.action) for v in rule.check(view(user, reply))]


CASES = [
    # (rule, user, reply, expected verdicts)
    (r.TokenLength(s.TokenLengthRule(min_example_tokens=8)), "Hi", "Yo", [("too_few_tokens", "drop")]),
    (r.TokenLength(s.TokenLengthRule(max_assistant_tokens=50)), "Write a lot.", "word " * 80,
     [("too_many_assistant_tokens", "drop")]),
    (r.TokenLength(s.TokenLengthRule(max_user_tokens=20)), "问题" * 30, "好的，这是回答。", [("too_many_user_tokens", "drop")]),
    (r.TokenLength(s.TokenLengthRule()), "What is the capital of Italy?", "Rome.", []),
    (r.EmptyOutput(s.EmptyOutputRule()), "Summarize this.", "<nooutput>", [("placeholder_output", "drop")]),
    (r.EmptyOutput(s.EmptyOutputRule()), "Summarize this.", "N/A", [("placeholder_output", "drop")]),
    (r.EmptyOutput(s.EmptyOutputRule()), "总结一下。", "无", [("placeholder_output", "drop")]),
    (r.EmptyOutput(s.EmptyOutputRule()), "Is it N/A?", "N/A means not applicable.", []),
    (r.Refusal(s.RefusalRule()), "Pick a lock.", "I'm sorry, but I cannot help with that.", [("refusal", "flag")]),
    (r.Refusal(s.RefusalRule()), "Tell me a secret.", "As an AI language model, I do not have secrets.", [("refusal", "flag")]),
    (r.Refusal(s.RefusalRule()), "帮我黑进邮箱。", "抱歉，作为一个AI，我不能帮助你做这件事。", [("refusal", "flag")]),
    (r.Refusal(s.RefusalRule(max_words=10)), "Explain.", "As an AI language model, I can explain: " + "details " * 30, []),
    (r.Refusal(s.RefusalRule()), "Can you swim?", "Yes, I can explain how swimming works.", []),
    (r.Placeholder(s.PlaceholderRule()), "Write a letter.", "Dear {{name}}, thanks!", [("template_placeholder", "drop")]),
    (r.Placeholder(s.PlaceholderRule()), "Write a bio.", "I work at [INSERT COMPANY].", [("template_placeholder", "drop")]),
    (r.Placeholder(s.PlaceholderRule()), "你是谁？", "我是 {{name}}，由 {{author}} 开发。", [("template_placeholder", "drop")]),
    (r.Placeholder(s.PlaceholderRule()), "Show jinja.", "```jinja\nHello {{ name }}\n```", []),
    (r.Repetition(s.RepetitionRule()), "Sea?", "\n".join(["The sea is big and blue."] * 6), [("repeated_lines", "drop")]),
    (r.Repetition(s.RepetitionRule()), "Loop?", "I like it very much and " * 40, [("repeated_ngrams", "drop")]),
    (r.Repetition(s.RepetitionRule()), "重复？", "我很喜欢这个地方因为风景很好" * 12, [("repeated_ngrams", "drop")]),
    (r.Repetition(s.RepetitionRule()), "Dashes?", "```python\n" + "print('---')\n" * 8 + "```", []),
    (r.Repetition(s.RepetitionRule()), "Steps?", "Roque takes 2*3 = 6 hours a week to walk to work.\nRoque takes 6*2 = 12 "
     "hours a week to walk to and from work.\nRoque takes 1*2 = 2 hours a week to bike to work.\nIn total 16.", []),
    (r.SpecialChars(s.SpecialCharsRule()), "Decor?",
     "~~##@@^^||{{}}[[]]<<>>~~##@@^^||{{}}[[]]", [("special_characters", "drop")]),
    (r.SpecialChars(s.SpecialCharsRule()), "Math?", "3 + 4 = 7, and 10 / 2 = 5 (so 7 > 5).", []),
    (r.SpecialChars(s.SpecialCharsRule()), "代码？", "用这个：\n```\n{{}}[[]]<<>>##@@^^||~~\n```\n就可以了。", []),
    (r.TooFewWords(s.TooFewWordsRule()), "Hi", "Hey", [("too_few_words", "drop")]),
    (r.TooFewWords(s.TooFewWordsRule()), "Capital of Italy?", "Rome.", []),
    (r.TooFewWords(s.TooFewWordsRule()), "你好", "您好", []),  # four CJK characters are four words
    (r.UnseenContent(s.UnseenContentRule()), "Describe https://example.com/cat.jpg", "A cat.", [("unseen_content", "drop")]),
    (r.UnseenContent(s.UnseenContentRule()), "Summarize https://example.com/article", "It says...", [("unseen_content", "drop")]),
    (r.UnseenContent(s.UnseenContentRule()), "What is in this? <Picture Attached>", "A dog.", [("unseen_content", "drop")]),
    (r.UnseenContent(s.UnseenContentRule()), "如图所示，求三角形的面积。", "面积是6。", [("unseen_content", "drop")]),
    (r.UnseenContent(s.UnseenContentRule()), "Where are the Python docs?", "See https://docs.python.org/3/ for them.", []),
    (r.UnseenContent(s.UnseenContentRule()), "Is https://example.com a valid URL?", "Yes, it is well formed.", []),
    (r.MediaRequest(s.MediaRequestRule()), "Draw me a picture of a fox.", "Here it is.", [("media_request", "drop")]),
    (r.MediaRequest(s.MediaRequestRule()), "Please generate an image of a sunset.", "Done.", [("media_request", "drop")]),
    (r.MediaRequest(s.MediaRequestRule()), "请画一张猫的图片。", "好的。", [("media_request", "drop")]),
    (r.MediaRequest(s.MediaRequestRule()), "He wants to make him a 9 by 13 drawing; what does it cost?", "$240.", []),
    (r.MediaRequest(s.MediaRequestRule()), "Create a vivid description of a painting.", "The canvas glows...", []),
    (r.Truncated(s.TruncatedRule()), "Loop?", "```python\nfor i in range(3):\n    print(i)\n", [("unclosed_code_fence", "drop")]),
    (r.Truncated(s.TruncatedRule()), "Soup?", "First you boil the water and " * 10 + "then you", [("cut_mid_sentence", "flag")]),
    (r.Truncated(s.TruncatedRule()), "Git?", "Use ```git reset``` to move HEAD; it is like ```hg revert``` but stronger.", []),
    (r.Truncated(s.TruncatedRule()), "List?", "Here are some:\n" + "- a long item that keeps going on and on\n" * 6, []),
    (r.EmptyCode(s.EmptyCodeRule()), "Write a Python function that reverses a list.", "Sure:\n```python\n```",
     [("empty_code", "drop")]),
    (r.EmptyCode(s.EmptyCodeRule()), "写一个函数计算阶乘。", "好的：\n```python\n\n```", [("empty_code", "drop")]),
    (r.EmptyCode(s.EmptyCodeRule()), "Write a Python function that adds numbers.", "Just add them with plus.",
     [("no_code", "flag")]),
    (r.EmptyCode(s.EmptyCodeRule()), "Write a Python function that adds numbers.", "```python\ndef add(a, b):\n    return a + b\n```", []),
    (r.EmptyCode(s.EmptyCodeRule()), "Write a script for the opening scene of a comedy show.", "INT. BEACH CLUB - NIGHT", []),
]


@pytest.mark.parametrize(("rule", "user", "reply", "expected"), CASES)
def test_rule(rule, user: str, reply: str, expected: list[tuple[str, str]]) -> None:
    assert fired(rule, user, reply) == expected


def test_language_rule() -> None:
    rule = r.Language(s.LanguageRule())
    french = "La capitale de l'Allemagne est Berlin, une ville très animée et riche en histoire."
    assert fired(rule, "Quelle est la capitale de l'Allemagne ?", french) == [("language_not_allowed", "drop")]
    english = "Jupiter is the largest planet in the solar system; it is a gas giant."
    assert fired(rule, "请介绍一下太阳系中最大的行星是哪一颗。", english) == [("language_mismatch", "flag")]
    assert fired(rule, "把这句话翻译成英文：木星是太阳系最大的行星。", english) == []
    assert fired(rule, "What is the largest planet in our solar system, and why?", english) == []
    assert fired(rule, "太阳系最大的行星是哪一颗？", "太阳系最大的行星是木星，它是一颗气态巨行星。") == []
    assert fired(r.Language(s.LanguageRule(allowed=["en", "zh", "fr"])), "Capitale ?", french) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The weather in Paris is mild in spring, and the parks are full of people.", "en"),
        ("太阳系最大的行星是木星，它是一颗气态巨行星。", "zh"),
        ("Der Himmel ist heute sehr blau und die Sonne scheint über der ganzen Stadt.", "de"),
        ("Short.", "und"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_script_family() -> None:
    assert script_family("木星是最大的行星 (Jupiter)") == "cjk"
    assert script_family("Jupiter (木星) is the largest planet") == "latin"
    assert script_family("1234 5678") == "und"


def test_evaluation_stops_at_the_first_drop_and_keeps_flags() -> None:
    rules = build_rules(s.FilterConfig())
    verdicts = evaluate(view("Pick a lock.", "I'm sorry, but I cannot help with that."), rules)
    assert [(v.rule, v.action) for v in verdicts] == [("refusal", "flag")]
    verdicts = evaluate(view("Hi", "<nooutput>"), rules)
    assert [(v.rule, v.action) for v in verdicts] == [("placeholder_output", "drop")]


def test_off_rules_are_not_built() -> None:
    config = s.FilterConfig(refusal=s.RefusalRule(action="off"), language=s.LanguageRule(action="off", mismatch_action="off"))
    names = {rule.name for rule in build_rules(config)}
    assert "refusal" not in names and "language" not in names and "repetition" in names
