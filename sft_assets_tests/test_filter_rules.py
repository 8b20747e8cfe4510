"""Each filter rule on its own: the exact verdict where it fires, nothing where it must not (EN and ZH)."""

from __future__ import annotations

import pytest

from sft_assets.filter.apply import build_rules, evaluate
from sft_assets.filter.langid import detect_language, script_family
from sft_assets.filter.rules.base import ExampleView
from sft_assets.filter.rules.language import Language, LanguageSettings
from sft_assets.filter.rules.refusal import RefusalSettings
from sft_assets.filter.settings import FilterConfig
from sft_assets_tests.helpers import CASES


def view(user: str, reply: str, system: str | None = None) -> ExampleView:
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user}, {"role": "assistant", "content": reply}]
    return ExampleView(messages)


def fired(rule, user: str, reply: str) -> list[tuple[str, str]]:
    return [(v.rule, v.action) for v in [rule.check(view(user, reply))] if v is not None]




@pytest.mark.parametrize(("rule", "user", "reply", "expected"), CASES)
def test_rule(rule, user: str, reply: str, expected: list[tuple[str, str]]) -> None:
    assert fired(rule, user, reply) == expected


def test_language_rule() -> None:
    rule = Language(LanguageSettings())
    french = "La capitale de l'Allemagne est Berlin, une ville très animée et riche en histoire."
    assert fired(rule, "Quelle est la capitale de l'Allemagne ?", french) == [("language_not_allowed", "drop")]
    english = "Jupiter is the largest planet in the solar system; it is a gas giant."
    assert fired(rule, "请介绍一下太阳系中最大的行星是哪一颗。", english) == [("language_mismatch", "flag")]
    assert fired(rule, "把这句话翻译成英文：木星是太阳系最大的行星。", english) == []
    assert fired(rule, "What is the largest planet in our solar system, and why?", english) == []
    assert fired(rule, "太阳系最大的行星是哪一颗？", "太阳系最大的行星是木星，它是一颗气态巨行星。") == []
    assert fired(Language(LanguageSettings(allowed=["en", "zh", "fr"])), "Capitale ?", french) == []


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
    rules = build_rules(FilterConfig())
    verdicts = evaluate(view("Pick a lock.", "I'm sorry, but I cannot help with that."), rules)
    assert [(v.rule, v.action) for v in verdicts] == [("refusal", "flag")]
    verdicts = evaluate(view("Hi", "<nooutput>"), rules)
    assert [(v.rule, v.action) for v in verdicts] == [("placeholder_output", "drop")]


def test_off_rules_are_not_built() -> None:
    config = FilterConfig(refusal=RefusalSettings(action="off", opening_action="off"), language=LanguageSettings(action="off", mismatch_action="off"))
    names = {rule.name for rule in build_rules(config)}
    assert "refusal" not in names and "language" not in names and "repetition" in names
