"""A rule's pre-filter only skips work: it never hides a verdict its check() would give, and outcomes with
and without pre-filters are identical."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from sft_assets.clean.stage import clean_table
from sft_assets.config import SAMPLE_CONFIG, CurationConfig, load_config
from sft_assets.filter.apply import build_rules, filter_table, hint_groups, rule_masks
from sft_assets.filter.batch import FilterBatch
from sft_assets.filter.registry import RULES
from sft_assets.filter.rules.base import ExampleView
from sft_assets.filter.rules.language import LanguageSettings
from sft_assets.filter.rules.repetition import RepetitionSettings
from sft_assets.filter.rules.special_chars import SpecialCharsSettings
from sft_assets.filter.rules.token_length import TokenLengthSettings
from sft_assets.filter.rules.too_few_words import TooFewWordsSettings
from sft_assets.filter.rules.truncated import TruncatedSettings
from sft_assets.filter.settings import FilterConfig
from sft_assets.ingest.sources import ingest_sources
from sft_assets.kernels.chat_json import conversation_texts
from sft_assets.kernels.text import codepoints_of
from sft_assets_tests.helpers import CASES, TRICKY, chat, random_chats, real_examples, table_of


def assert_same(table: pa.Table, config: FilterConfig) -> None:
    fast, slow = filter_table(table, config, "cl100k_base"), filter_table(table, config, "cl100k_base", pre_filter=False)
    assert fast.kept.equals(slow.kept)
    assert fast.decisions == slow.decisions


def test_rule_cases_have_identical_outcomes() -> None:
    """Every unit case of every rule, through the gated and the ungated path, each with its own config."""
    for rule, user, reply, _ in CASES:
        config = FilterConfig(**{rule.name: rule.settings})
        assert_same(table_of([chat(user, reply)]), config)


def test_tricky_characters_have_identical_outcomes() -> None:
    conversations = random_chats(7, TRICKY, 1500, 60, 0.2)
    tight = FilterConfig(
        special_chars=SpecialCharsSettings(max_ratio=0.1, min_chars=5),
        repetition=RepetitionSettings(min_ngrams=3, min_lines=2, min_line_chars=2, ngram_words=2, ngram_chars=3),
        language=LanguageSettings(min_chars=5), truncated=TruncatedSettings(min_chars_for_mid_sentence=10),
        too_few_words=TooFewWordsSettings(min_words=12), token_length=TokenLengthSettings(max_user_tokens=30))
    for config in (FilterConfig(), tight):
        assert_same(table_of(conversations), config)


# Fenced blocks around the pieces of placeholders, sentence ends and list marks: prose_only joins the
# pieces around a block, and the reply's last prose line decides whether it was cut off.
FENCED = ["```", "~~~", "```python", "\n", "\n", "\n```\n", " ", "\t", "\r", "\x1c", "[", "]", "{{", "}}", "<", ">",
          "【", "】", "INSERT", "todo", "Placeholder", "插入", "name", "x = 1", "a < b", "arr[0", ".", "- ", "# ", "word",
          "done.", "http://x.io", "中文"]


def test_fenced_replies_have_identical_outcomes() -> None:
    table = table_of(random_chats(13, FENCED, 3000, 40, 0.3))
    tight = FilterConfig(truncated=TruncatedSettings(min_chars_for_mid_sentence=5))
    for config in (FilterConfig(), tight):
        assert_same(table, config)
    verdicts = {d.rule for d in filter_table(table, tight, "cl100k_base").decisions}
    assert {"template_placeholder", "unclosed_code_fence", "cut_mid_sentence"} <= verdicts


def test_gates_skip_most_rule_checks_on_the_sample() -> None:
    loaded = load_config(SAMPLE_CONFIG)
    table = clean_table(ingest_sources(loaded.file_tasks()).examples, loaded.config.clean).kept
    assert_same(table, loaded.config.filter)
    rules = build_rules(loaded.config.filter)
    gates = rule_masks(FilterBatch(table.column("messages"), hint_groups(rules)), rules)
    opened = sum(int(g.sum()) for g in gates.values())
    assert 0 < opened < 0.25 * table.num_rows * len(gates)


def assert_texts_match_views(table: pa.Table) -> None:
    batch = FilterBatch(table.column("messages"))
    views = [ExampleView(orjson.loads(m)) for m in table.column("messages").to_pylist()]
    for name in ("user", "assistant", "every", "reply", "reply_prose"):
        assert batch.column(name).to_pylist() == [getattr(v, name) for v in views], name
        for first in (None, 5):
            cp, bounds = batch.text(name, first)
            assert (cp.tolist(), bounds.tolist()) == tuple(
                x.tolist() for x in codepoints_of([getattr(v, name)[:first] for v in views])), name
    assert batch.blank_turn.tolist() == [v.empty_turn is not None for v in views]


def test_texts_pulled_by_duckdb_equal_the_python_views() -> None:
    conversations = random_chats(5, [*TRICKY, "\x00", "\"", "\\", "```py\nx\n```"], 800, 30, 0.3)
    conversations += [[{"role": "user", "content": "q"}, {"role": "assistant", "content": None, "tool_calls": [
        {"type": "function", "function": {"name": "f", "arguments": "{}"}}]}, {"role": "tool", "content": "r"}],
        [{"role": "system", "content": "s"}, {"role": "user", "content": ""}],
        [{"role": "user", "content": "q"}, {"role": "assistant", "content": " ", "tool_calls": []}]]
    assert_texts_match_views(table_of(conversations))


REAL_FILES = (
    "llamafactory-demo/alpaca_en_demo.json", "llamafactory-demo/alpaca_zh_demo.json", "lima/lima.json",
    "oasst-zh/oaast_sft_zh.json", "llamafactory-demo/glaive_toolcall_en_demo.json", "llamafactory-demo/identity.json",
    "gpteacher/Toolformer/toolformer-similarity-0.6-dataset.json", "ruozhiba/ruozhiba_raw.jsonl", "gsm8k/test.jsonl",
    "gpteacher/Roleplay/roleplay-simple-deduped-roleplay-dataset.json",
)


@pytest.mark.realistic
@pytest.mark.parametrize("relative", (*REAL_FILES, "sharegpt-sample"))
def test_real_data_outcomes_are_identical(shared_data: Path, relative: str) -> None:
    config = CurationConfig(sources=[{"name": "x", "path": "x"}])
    table = real_examples(shared_data, relative)
    assert table.num_rows > 90
    assert_same(clean_table(table, config.clean).kept, config.filter)
    assert_texts_match_views(table)




def test_json_the_scanner_cannot_read_opens_every_gate() -> None:
    spaced = '[ {"role": "user", "content": "Write a poem."}, {"role": "assistant", "content": "N/A"} ]'
    column = pa.array(['[{"content":"hi","role":"user"}]', spaced, '[{"content":"cut', None], pa.string())
    texts, blank, unreadable = conversation_texts(column)
    assert unreadable.tolist() == [False, True, True, True]
    assert texts["user"].to_pylist()[0] == "hi" and blank.tolist() == [False, False, False, False]
    table = table_of([chat("Write a poem.", "N/A")]).set_column(5, "messages", pa.array([spaced]))
    assert_same(table, FilterConfig())
    assert filter_table(table, FilterConfig(), "cl100k_base").counts["dropped:placeholder_output"] == 1


def test_the_config_names_exactly_the_registered_rules() -> None:
    assert set(FilterConfig.model_fields) == {rule.name for rule in RULES}
    assert len({rule.name for rule in RULES}) == len(RULES)
    for rule in RULES:  # each config field holds that rule's own settings class
        assert FilterConfig.model_fields[rule.name].annotation is rule.settings_class


@pytest.fixture(scope="module")
def awkward_table() -> pa.Table:
    """The rule cases plus random conversations of awkward characters and fenced pieces."""
    cases = [chat(user, reply) for _, user, reply, _ in CASES]
    fenced = ["```", "~~~", "\n", "{{", "}}", "[", "]", "<", ">", "【", "】", "INSERT", "name", ".", "- ", "中文"]
    return table_of(cases + random_chats(17, TRICKY, 1200, 50, 0.2) + random_chats(19, fenced, 800, 30, 0.2))


def loose_settings(rule_class):
    """Settings under which the rule fires often (low thresholds), so that its pre-filter is exercised."""
    loose = {"token_length": TokenLengthSettings(max_user_tokens=30, max_assistant_tokens=30),
             "too_few_words": TooFewWordsSettings(min_words=12),
             "special_chars": SpecialCharsSettings(max_ratio=0.1, min_chars=5),
             "repetition": RepetitionSettings(min_ngrams=3, min_lines=2, min_line_chars=2, ngram_words=2, ngram_chars=3),
             "language": LanguageSettings(min_chars=5), "truncated": TruncatedSettings(min_chars_for_mid_sentence=10)}
    return loose.get(rule_class.name, rule_class.settings_class())


@pytest.mark.parametrize("rule_class", RULES, ids=lambda c: c.name)
@pytest.mark.parametrize("loose", [False, True], ids=["defaults", "loose"])
def test_a_pre_filter_never_hides_a_verdict(rule_class, loose: bool, awkward_table: pa.Table) -> None:
    rule = rule_class(loose_settings(rule_class) if loose else rule_class.settings_class())
    batch = FilterBatch(awkward_table.column("messages"), hint_groups([rule]))
    may = rule_masks(batch, [rule])[rule.name]
    fired = 0
    for row, messages in enumerate(awkward_table.column("messages").to_pylist()):
        if rule.check(ExampleView(orjson.loads(messages))) is not None:
            fired += 1
            assert may[row], messages
    assert fired > 0  # the table exercises the rule
    assert may.sum() < len(may)  # and the pre-filter rules some rows out
