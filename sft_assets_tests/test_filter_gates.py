"""The filter gates only skip work: verdicts with and without them are identical, and the compiled text
measurements equal what Python's own string methods give."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from sft_assets.kernels import text as ts
from sft_assets.clean.stage import clean_table
from sft_assets.config import SAMPLE_CONFIG, CurationConfig, load_config
from sft_assets.filter import rules as r
from sft_assets.filter import settings as s
from sft_assets.filter.apply import filter_table
from sft_assets.filter.gates import FilterBatch, rule_gates
from sft_assets.ingest.sources import ingest_sources
from sft_assets.kernels.re2_bounds import PY_SPACE_CHARS, subset, superset
from sft_assets_tests.conftest import TRICKY, chat, random_chats, real_examples, table_of
from sft_assets_tests.test_filter_rules import CASES

def assert_same(table: pa.Table, config: s.FilterConfig) -> None:
    fast, slow = filter_table(table, config, "cl100k_base"), filter_table(table, config, "cl100k_base", gates=False)
    assert fast.kept.equals(slow.kept)
    assert fast.events == slow.events


def test_rule_cases_have_identical_outcomes() -> None:
    """Every unit case of every rule, through the gated and the ungated path, each with its own config."""
    for rule, user, reply, _ in CASES:
        config = s.FilterConfig(**{rule.name: rule.cfg})
        assert_same(table_of([chat(user, reply)]), config)


def test_tricky_characters_have_identical_outcomes() -> None:
    conversations = random_chats(7, TRICKY, 1500, 60, 0.2)
    tight = s.FilterConfig(
        special_chars=s.SpecialCharsRule(max_ratio=0.1, min_chars=5),
        repetition=s.RepetitionRule(min_ngrams=3, min_lines=2, min_line_chars=2, ngram_words=2, ngram_chars=3),
        language=s.LanguageRule(min_chars=5), truncated=s.TruncatedRule(min_chars_for_mid_sentence=10),
        too_few_words=s.TooFewWordsRule(min_words=12), token_length=s.TokenLengthRule(max_user_tokens=30))
    for config in (s.FilterConfig(), tight):
        assert_same(table_of(conversations), config)


# Fenced blocks around the pieces of placeholders, sentence ends and list marks: prose_only joins the
# pieces around a block, and the reply's last prose line decides whether it was cut off.
FENCED = ["```", "~~~", "```python", "\n", "\n", "\n```\n", " ", "\t", "\r", "\x1c", "[", "]", "{{", "}}", "<", ">",
          "【", "】", "INSERT", "todo", "Placeholder", "插入", "name", "x = 1", "a < b", "arr[0", ".", "- ", "# ", "word",
          "done.", "http://x.io", "中文"]


def test_fenced_replies_have_identical_outcomes() -> None:
    table = table_of(random_chats(13, FENCED, 3000, 40, 0.3))
    tight = s.FilterConfig(truncated=s.TruncatedRule(min_chars_for_mid_sentence=5))
    for config in (s.FilterConfig(), tight):
        assert_same(table, config)
    verdicts = {e[5] for e in filter_table(table, tight, "cl100k_base").events}
    assert {"template_placeholder", "unclosed_code_fence", "cut_mid_sentence"} <= verdicts


def test_gates_skip_most_rule_checks_on_the_sample() -> None:
    loaded = load_config(SAMPLE_CONFIG)
    table = clean_table(ingest_sources(loaded.file_tasks()).examples, loaded.config.clean).kept
    assert_same(table, loaded.config.filter)
    from sft_assets.filter.apply import build_rules

    gates = rule_gates(FilterBatch(table.column("messages")), build_rules(loaded.config.filter))
    opened = sum(int(g.sum()) for g in gates.values())
    assert 0 < opened < 0.25 * table.num_rows * len(gates)


def assert_texts_match_views(table: pa.Table) -> None:
    batch = FilterBatch(table.column("messages"))
    views = [r.ExampleView(orjson.loads(m)) for m in table.column("messages").to_pylist()]
    for name in ("user", "assistant", "every", "reply", "reply_prose"):
        assert batch.column(name).to_pylist() == [getattr(v, name) for v in views], name
        for first in (None, 5):
            cp, bounds = batch.text(name, first)
            assert (cp.tolist(), bounds.tolist()) == tuple(
                x.tolist() for x in ts.codepoints_of([getattr(v, name)[:first] for v in views])), name
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


def _random_texts(n: int) -> list[str]:
    rng = random.Random(3)
    return [""] + ["".join(rng.choice(TRICKY) for _ in range(rng.randrange(0, 40))) for _ in range(n)]


def test_text_measurements_match_python() -> None:
    texts = _random_texts(800)
    cp, bounds = ts.codepoints_of(texts)
    ends = ts.last_visible_in(cp, bounds, ts.space_table(), ts.char_class(r.SENTENCE_END_CHAR))
    assert ends.tolist() == [bool(r.SENTENCE_END.search(t.rstrip().rsplit("\n", 1)[-1])) for t in texts]
    cjk = ts.char_class(r.CJK_RUN.pattern)
    column = pa.array([*texts, None])
    for first, cap, alone in ((-1, 10**9, cjk), (-1, 10**9, ts.no_chars()), (-1, 3, ts.no_chars()), (7, 10**9, ts.no_chars()),
                              (12, 4, cjk), (0, 5, cjk)):
        cut = [t if first < 0 else t[:first] for t in texts]
        expected = [min(cap, r._words(t) if alone is cjk else len(t.split())) for t in cut] + [0]
        wanted = np.ones(len(texts) + 1, dtype=bool)
        assert ts.word_counts(*ts.utf8_buffers(column), first, ts.space_table(), alone, cap, wanted).tolist() == expected
    wanted[::2] = False  # rows not wanted count 0
    counts = ts.word_counts(*ts.utf8_buffers(column), -1, ts.space_table(), cjk, 10**9, wanted)
    assert counts.tolist() == [0 if i % 2 == 0 else r._words(t) for i, t in enumerate([*texts, ""])]
    han = ts.char_class(r"[\u4e00-\u9fff]")
    assert ts.count_class(cp, bounds, han).tolist() == [len(re.findall(r"[\u4e00-\u9fff]", t)) for t in texts]
    category = han.astype(np.uint8) + 2 * ts.char_class("[A-Za-z]")
    for first in (7, 10**9):
        heads = [t[:first] for t in texts]
        counts, non_ascii, stripped, words = ts.sample_stats(cp, bounds, first, category, ts.space_table(), 2)
        assert stripped.tolist() == [len(h.strip()) for h in heads]
        assert words.tolist() == [len(h.split()) for h in heads]
        assert counts[:, 0].tolist() == [len(re.findall(r"[\u4e00-\u9fff]", h)) for h in heads]
        assert counts[:, 1].tolist() == [len(re.findall("[A-Za-z]", h)) for h in heads]
        assert (non_ascii == 0).tolist() == [h.isascii() for h in heads]
    column = pa.array(["ab", None, "é中\U0001f600x", ""], pa.string()).slice(0, 4)
    expected = ts.codepoints_of(["ab", "", "é中\U0001f600x", ""])
    assert [x.tolist() for x in ts.codepoints_of_column(column)] == [x.tolist() for x in expected]
    assert ts.codepoints_of_column(column, 2)[0].tolist() == [ord(c) for c in "abé中"]
    lowered = ts.lower_table()
    for t in texts:
        if "\u0130" not in t and "\u03a3" not in t:
            assert "".join(chr(lowered[ord(ch)]) for ch in t) == t.lower()


def test_repetition_bounds_are_exact_on_plain_text() -> None:
    texts = _random_texts(800) + ["same line here\n" * 5, "one two three four five " * 12, "重复的内容重复的内容" * 20]
    for cfg in (s.RepetitionRule(min_line_chars=3, ngram_words=3, ngram_chars=4, min_lines=2, min_ngrams=1),
                s.RepetitionRule()):
        cp, bounds = ts.codepoints_of(texts)
        lines, line_dup, grams, gram_dup, hazard = ts.repetition_bounds(
            cp, bounds, ts.space_table(), ts.line_break_table(), ts.lower_table(), ts.char_class(r.CJK_CHAR.pattern),
            r.NGRAM_SCAN_CHARS, cfg.min_lines, cfg.min_line_chars, cfg.ngram_words, cfg.ngram_chars, cfg.min_ngrams)
        rule = r.Repetition(cfg)
        for i, text in enumerate(texts):
            expected = [ln for ln in (raw.strip() for raw in text.splitlines()) if len(ln) >= cfg.min_line_chars] \
                if text.count("\n") >= cfg.min_lines - 1 else []
            assert lines[i] == len(expected)
            if len(expected) >= cfg.min_lines:
                assert line_dup[i] == pytest.approx(1 - len(set(expected)) / len(expected))
            python_grams = rule._ngrams(text[:r.NGRAM_SCAN_CHARS])
            assert grams[i] == len(python_grams)
            if len(python_grams) >= cfg.min_ngrams and not hazard[i]:
                counts = {g: python_grams.count(g) for g in set(python_grams)}
                assert gram_dup[i] == pytest.approx(sum(n for n in counts.values() if n > 1) / len(python_grams))
        assert line_dup[-3] == pytest.approx(0.8) and gram_dup[-2] == 1.0 and gram_dup[-1] == 1.0


def test_sure_word_characters_are_python_word_characters_in_re2_under_any_case_flag() -> None:
    from sft_assets.kernels.re2_bounds import _SURE_WORD

    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    word = np.array([bool(re.match(r"\w", c)) for c in chars])
    for flags in ("", "(?i)"):
        outside = pc.match_substring_regex(pa.array(chars), f"{flags}^[^{_SURE_WORD}]$").to_numpy(zero_copy_only=False)
        inside = pc.match_substring_regex(pa.array(chars), f"{flags}^[{_SURE_WORD}]$").to_numpy(zero_copy_only=False)
        assert word[~outside].all()  # a character left outside the negated class is a word character
        assert word[inside].all() and inside.sum() > 45_000  # every sure-word character is a word character


def test_a_last_list_line_found_by_re2_is_one_the_truncated_rule_sees() -> None:
    from sft_assets.filter.gates import LIST_LAST_LINE

    rng = random.Random(11)
    pieces = [*TRICKY, "\n- item", "\n* star", "\n| a | b |", "\n# Title", "  -", "\n\n", " \t", "\u3000\n", "x.", "|"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12))) for _ in range(20_000)]
    found = pc.match_substring_regex(pa.array(texts), LIST_LAST_LINE).to_pylist()
    starts = [t.rstrip().rsplit("\n", 1)[-1].lstrip().startswith(r.LIST_MARKS) for t in texts]
    assert not any(hit and not start for hit, start in zip(found, starts, strict=True))  # never invents
    assert sum(found) > 0.8 * sum(starts)  # and finds most


def test_python_whitespace_in_re2_is_exactly_str_isspace() -> None:
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    found = pc.match_substring_regex(pa.array(chars), f"^[{PY_SPACE_CHARS}]$").to_pylist()
    assert [c for c, hit in zip(chars, found, strict=True) if hit != c.isspace()] == []


@pytest.mark.parametrize("name", ["PLACEHOLDER_OUTPUTS", "REFUSAL", "PLACEHOLDER", "MEDIA_HINT", "CODE_HINT",
                                  "ATTACHMENT_HINT", "SENTENCE_END"])
def test_re2_superset_never_misses_and_subset_never_invents(name: str) -> None:
    pattern = getattr(r, name)
    texts = _random_texts(3000) + ["N/A", " <no output> ", "I cannot do that.", "作为一个AI，我无法", "{{ name }}",
                                   "[INSERT date]", "Draw an image", "ends here.", "ends here. \u3000", "no end"]
    wide = pc.match_substring_regex(pa.array(texts), superset(pattern)).to_pylist()
    narrow = pc.match_substring_regex(pa.array(texts), subset(pattern)).to_pylist() if name == "SENTENCE_END" else None
    for i, text in enumerate(texts):
        if any(ch in text for ch in "\u0130\u0131\u017f\u212a"):
            continue  # case folds RE2 does not share: the gates send such rows to Python
        if pattern.search(text):
            assert wide[i], text
        if narrow is not None and narrow[i]:
            assert pattern.search(text), text


def test_untranslatable_patterns_fail_loudly() -> None:
    with pytest.raises(ValueError, match="lookaround"):
        superset(re.compile(r"(?<!\d)x"))
    assert np.all(ts.space_table()[[ord(c) for c in " \t\n\u3000"]])


def _same_decisions(samples: list[str]) -> None:
    from sft_assets.kernels.langid import decide_many
    from sft_assets.filter.langid import _model, decide

    exact = [_model().classify(s) for s in samples]
    confidences = sorted(confidence for _, confidence in exact)
    # thresholds at, just around and between the real confidences exercise the exact fallback
    thresholds = {0.5, 0.9, 0.99, *confidences[:: max(1, len(confidences) // 8)]}
    thresholds |= {t + d for t in list(thresholds) for d in (-1e-7, 1e-7)}
    for threshold in thresholds:
        assert decide_many(samples, threshold) == [decide(str(n), c, threshold) for n, c in exact], threshold


def test_bulk_language_identification_equals_py3langid() -> None:
    from sft_assets.kernels.langid import classify_many
    from sft_assets.filter.langid import _model

    samples = ["", "ABC DEF GHI", "ÉCOLE NORMALE SUPÉRIEURE", "😀", "Der Himmel ist heute sehr blau.",
               "La capitale de l'Allemagne est Berlin.", "x = 1; y = 2; print(x + y)", "Olá, tudo bem com você?",
               "Это пример текста на русском языке.", "これは日本語の文です。", "ça va? Très bien, merci!"]
    assert classify_many(samples) == [_model().classify(s) for s in samples]
    _same_decisions(samples)


@pytest.mark.realistic
def test_bulk_language_identification_equals_py3langid_on_real_replies(shared_data: Path) -> None:
    from sft_assets.kernels.langid import classify_many
    from sft_assets.filter.langid import _model

    table = pa.concat_tables([real_examples(shared_data, f) for f in ("lima/lima.json", "sharegpt-sample")])
    samples = [r.ExampleView(orjson.loads(m)).reply_prose[:300] for m in table.column("messages").to_pylist()]
    assert len(samples) > 1000
    assert classify_many(samples) == [_model().classify(s) for s in samples]
    _same_decisions(samples)


def test_cached_language_model_classifies_like_py3langids_own_loader(tmp_path: Path, monkeypatch) -> None:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    from sft_assets.filter import language

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    stored = language._uncompressed_model(MODEL_DIR / MODEL_FILE)
    assert stored is not None and stored.parent == tmp_path / "sft-assets" and stored.stat().st_size > 10**7
    language._model.cache_clear()
    try:
        ours, reference = language._model(), LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        samples = ["Der Himmel ist heute sehr blau.", "hello there my friend", "Olá, tudo bem?", "", "12345",
                   "Это пример текста.", "La capitale de l'Allemagne est Berlin."]
        assert [ours.classify(s) for s in samples] == [reference.classify(s) for s in samples]
    finally:
        language._model.cache_clear()


def test_character_tables_from_the_user_cache_equal_a_fresh_scan(tmp_path: Path, monkeypatch) -> None:
    from sft_assets.kernels import text as ts

    pattern = r"[\u4e00-\u9fff\u3400-\u4dbf]"
    fresh = ts._scan_class(pattern)
    assert fresh.sum() == 0x9FFF - 0x4E00 + 1 + 0x4DBF - 0x3400 + 1
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    ts.char_class.cache_clear()
    try:
        built = ts.char_class(pattern)  # computed and stored
        assert len(list((tmp_path / "sft-assets").glob("char-class-*.npy"))) == 1
        ts.char_class.cache_clear()
        loaded = ts.char_class(pattern)  # read back
        assert np.array_equal(built, fresh) and np.array_equal(loaded, fresh)
        monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-such-folder")  # not writable: computed every time
        ts.char_class.cache_clear()
        assert np.array_equal(ts.char_class(pattern), fresh)
    finally:
        ts.char_class.cache_clear()


def test_json_the_scanner_cannot_read_opens_every_gate() -> None:
    from sft_assets.kernels.chat_json import conversation_texts

    spaced = '[ {"role": "user", "content": "Write a poem."}, {"role": "assistant", "content": "N/A"} ]'
    column = pa.array(['[{"content":"hi","role":"user"}]', spaced, '[{"content":"cut', None], pa.string())
    texts, blank, unreadable = conversation_texts(column)
    assert unreadable.tolist() == [False, True, True, True]
    assert texts["user"].to_pylist()[0] == "hi" and blank.tolist() == [False, False, False, False]
    table = table_of([chat("Write a poem.", "N/A")]).set_column(5, "messages", pa.array([spaced]))
    assert_same(table, s.FilterConfig())
    assert filter_table(table, s.FilterConfig(), "cl100k_base").counts["dropped:placeholder_output"] == 1
