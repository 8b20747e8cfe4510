"""Kernels equal the Python semantics they stand for: compiled text measurements, RE2 bounds of Python
patterns, bulk language identification, and the disk cache."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from sft_assets.adapters.py3langid import bundled_identifier, model_arrays
from sft_assets.filter.langid import decide, decide_many
from sft_assets.filter.rules.base import CJK_RUN, ExampleView, count_words
from sft_assets.filter.rules.empty_code import CODE_HINT
from sft_assets.filter.rules.empty_output import PLACEHOLDER_OUTPUTS
from sft_assets.filter.rules.media_request import MEDIA_HINT
from sft_assets.filter.rules.placeholder import PLACEHOLDER
from sft_assets.filter.rules.refusal import REFUSAL
from sft_assets.filter.rules.repetition import CJK_CHAR, NGRAM_SCAN_CHARS, Repetition, RepetitionSettings
from sft_assets.filter.rules.truncated import LIST_LAST_LINE, LIST_MARKS, SENTENCE_END, SENTENCE_END_CHAR
from sft_assets.filter.rules.unseen_content import ATTACHMENT_HINT
from sft_assets.kernels import text as ts
from sft_assets.kernels.langid import classify_many
from sft_assets.kernels.re2_bounds import PY_SPACE_CHARS, SURE_WORD, subset, superset
from sft_assets_tests.helpers import TRICKY, real_examples

RULE_PATTERNS = {"PLACEHOLDER_OUTPUTS": PLACEHOLDER_OUTPUTS, "REFUSAL": REFUSAL, "PLACEHOLDER": PLACEHOLDER,
                 "MEDIA_HINT": MEDIA_HINT, "CODE_HINT": CODE_HINT, "ATTACHMENT_HINT": ATTACHMENT_HINT,
                 "SENTENCE_END": SENTENCE_END}


def _random_texts(n: int) -> list[str]:
    rng = random.Random(3)
    return [""] + ["".join(rng.choice(TRICKY) for _ in range(rng.randrange(0, 40))) for _ in range(n)]


def test_text_measurements_match_python() -> None:
    texts = _random_texts(800)
    cp, bounds = ts.codepoints_of(texts)
    ends = ts.last_visible_in(cp, bounds, ts.space_table(), ts.char_class(SENTENCE_END_CHAR))
    assert ends.tolist() == [bool(SENTENCE_END.search(t.rstrip().rsplit("\n", 1)[-1])) for t in texts]
    cjk = ts.char_class(CJK_RUN.pattern)
    column = pa.array([*texts, None])
    for first, cap, alone in ((-1, 10**9, cjk), (-1, 10**9, ts.no_chars()), (-1, 3, ts.no_chars()), (7, 10**9, ts.no_chars()),
                              (12, 4, cjk), (0, 5, cjk)):
        cut = [t if first < 0 else t[:first] for t in texts]
        expected = [min(cap, count_words(t) if alone is cjk else len(t.split())) for t in cut] + [0]
        wanted = np.ones(len(texts) + 1, dtype=bool)
        assert ts.word_counts(*ts.utf8_buffers(column), first, ts.space_table(), alone, cap, wanted).tolist() == expected
    wanted[::2] = False  # rows not wanted count 0
    counts = ts.word_counts(*ts.utf8_buffers(column), -1, ts.space_table(), cjk, 10**9, wanted)
    assert counts.tolist() == [0 if i % 2 == 0 else count_words(t) for i, t in enumerate([*texts, ""])]
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
    for cfg in (RepetitionSettings(min_line_chars=3, ngram_words=3, ngram_chars=4, min_lines=2, min_ngrams=1),
                RepetitionSettings()):
        cp, bounds = ts.codepoints_of(texts)
        lines, line_dup, grams, gram_dup, hazard = ts.repetition_bounds(
            cp, bounds, ts.space_table(), ts.line_break_table(), ts.lower_table(), ts.char_class(CJK_CHAR.pattern),
            NGRAM_SCAN_CHARS, cfg.min_lines, cfg.min_line_chars, cfg.ngram_words, cfg.ngram_chars, cfg.min_ngrams)
        rule = Repetition(cfg)
        for i, text in enumerate(texts):
            expected = [ln for ln in (raw.strip() for raw in text.splitlines()) if len(ln) >= cfg.min_line_chars] \
                if text.count("\n") >= cfg.min_lines - 1 else []
            assert lines[i] == len(expected)
            if len(expected) >= cfg.min_lines:
                assert line_dup[i] == pytest.approx(1 - len(set(expected)) / len(expected))
            python_grams = rule.ngrams(text[:NGRAM_SCAN_CHARS])
            assert grams[i] == len(python_grams)
            if len(python_grams) >= cfg.min_ngrams and not hazard[i]:
                counts = {g: python_grams.count(g) for g in set(python_grams)}
                assert gram_dup[i] == pytest.approx(sum(n for n in counts.values() if n > 1) / len(python_grams))
        assert line_dup[-3] == pytest.approx(0.8) and gram_dup[-2] == 1.0 and gram_dup[-1] == 1.0


def test_sure_word_characters_are_python_word_characters_in_re2_under_any_case_flag() -> None:
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    word = np.array([bool(re.match(r"\w", c)) for c in chars])
    for flags in ("", "(?i)"):
        outside = pc.match_substring_regex(pa.array(chars), f"{flags}^[^{SURE_WORD}]$").to_numpy(zero_copy_only=False)
        inside = pc.match_substring_regex(pa.array(chars), f"{flags}^[{SURE_WORD}]$").to_numpy(zero_copy_only=False)
        assert word[~outside].all()  # a character left outside the negated class is a word character
        assert word[inside].all() and inside.sum() > 45_000  # every sure-word character is a word character


def test_a_last_list_line_found_by_re2_is_one_the_truncated_rule_sees() -> None:
    rng = random.Random(11)
    pieces = [*TRICKY, "\n- item", "\n* star", "\n| a | b |", "\n# Title", "  -", "\n\n", " \t", "\u3000\n", "x.", "|"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12))) for _ in range(20_000)]
    found = pc.match_substring_regex(pa.array(texts), LIST_LAST_LINE).to_pylist()
    starts = [t.rstrip().rsplit("\n", 1)[-1].lstrip().startswith(LIST_MARKS) for t in texts]
    assert not any(hit and not start for hit, start in zip(found, starts, strict=True))  # never invents
    assert sum(found) > 0.8 * sum(starts)  # and finds most


def test_python_whitespace_in_re2_is_exactly_str_isspace() -> None:
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    found = pc.match_substring_regex(pa.array(chars), f"^[{PY_SPACE_CHARS}]$").to_pylist()
    assert [c for c, hit in zip(chars, found, strict=True) if hit != c.isspace()] == []


@pytest.mark.parametrize("name", ["PLACEHOLDER_OUTPUTS", "REFUSAL", "PLACEHOLDER", "MEDIA_HINT", "CODE_HINT",
                                  "ATTACHMENT_HINT", "SENTENCE_END"])
def test_re2_superset_never_misses_and_subset_never_invents(name: str) -> None:
    pattern = RULE_PATTERNS[name]
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


def test_untranslatable_patterns_fail_loudly_and_lookarounds_only_widen_a_superset() -> None:
    with pytest.raises(ValueError, match="lookaround"):
        subset(re.compile(r"(?<!\d)x"))
    with pytest.raises(ValueError, match="backreference"):
        superset(re.compile(r"(a)\1"))
    assert superset(re.compile(r"(?<![\d)])x(?=y)(?!z\))")) == "x"  # assertions dropped, classes and escapes kept whole
    boilerplate = superset(re.compile(r"^\W*follow us.*$", re.M), lines=True)
    found = pc.match_substring_regex(pa.array(["a\u2028  -- follow us now", "x follow us"]), boilerplate).to_pylist()
    assert found == [True, False]  # a line after any Python line break, stripped; not mid-line
    assert np.all(ts.space_table()[[ord(c) for c in " \t\n\u3000"]])


def _same_decisions(samples: list[str]) -> None:
    exact = [bundled_identifier().classify(s) for s in samples]
    confidences = sorted(confidence for _, confidence in exact)
    # thresholds at, just around and between the real confidences exercise the exact fallback
    thresholds = {0.5, 0.9, 0.99, *confidences[:: max(1, len(confidences) // 8)]}
    thresholds |= {t + d for t in list(thresholds) for d in (-1e-7, 1e-7)}
    for threshold in thresholds:
        assert decide_many(samples, threshold) == [decide(str(n), c, threshold) for n, c in exact], threshold


def test_bulk_language_identification_equals_py3langid() -> None:
    samples = ["", "ABC DEF GHI", "ÉCOLE NORMALE SUPÉRIEURE", "😀", "Der Himmel ist heute sehr blau.",
               "La capitale de l'Allemagne est Berlin.", "x = 1; y = 2; print(x + y)", "Olá, tudo bem com você?",
               "Это пример текста на русском языке.", "これは日本語の文です。", "ça va? Très bien, merci!"]
    assert classify_many(model_arrays(), samples) == [bundled_identifier().classify(s) for s in samples]
    _same_decisions(samples)


@pytest.mark.realistic
def test_bulk_language_identification_equals_py3langid_on_real_replies(shared_data: Path) -> None:
    table = pa.concat_tables([real_examples(shared_data, f) for f in ("lima/lima.json", "sharegpt-sample")])
    samples = [ExampleView(orjson.loads(m)).reply_prose[:300] for m in table.column("messages").to_pylist()]
    assert len(samples) > 1000
    assert classify_many(model_arrays(), samples) == [bundled_identifier().classify(s) for s in samples]
    _same_decisions(samples)


def test_cached_language_model_classifies_like_py3langids_own_loader(tmp_path: Path) -> None:
    from sft_assets.adapters import py3langid
    from sft_assets.kernels.disk_cache import use_folder

    use_folder(tmp_path)
    py3langid.identifier.cache_clear()
    try:
        ours, reference = py3langid.identifier(), bundled_identifier()
        stored = list(tmp_path.glob("py3langid-*.npz"))
        assert len(stored) == 1 and stored[0].stat().st_size > 10**7
        samples = ["Der Himmel ist heute sehr blau.", "hello there my friend", "Olá, tudo bem?", "", "12345",
                   "Это пример текста.", "La capitale de l'Allemagne est Berlin."]
        assert [ours.classify(s) for s in samples] == [reference.classify(s) for s in samples]
    finally:
        use_folder(None)
        py3langid.identifier.cache_clear()


def test_character_tables_from_the_disk_cache_equal_a_fresh_scan(tmp_path: Path) -> None:
    from sft_assets.kernels.disk_cache import use_folder

    pattern = r"[\u4e00-\u9fff\u3400-\u4dbf]"
    fresh = ts.scan_class(pattern)
    assert fresh.sum() == 0x9FFF - 0x4E00 + 1 + 0x4DBF - 0x3400 + 1
    use_folder(tmp_path)
    ts.char_class.cache_clear()
    try:
        built = ts.char_class(pattern)  # computed and stored
        assert len(list(tmp_path.glob("char-class-*.npy"))) == 1
        ts.char_class.cache_clear()
        loaded = ts.char_class(pattern)  # read back
        assert np.array_equal(built, fresh) and np.array_equal(loaded, fresh)
        use_folder(Path("/proc/no-such-folder"))  # not writable: computed every time
        ts.char_class.cache_clear()
        assert np.array_equal(ts.char_class(pattern), fresh)
    finally:
        use_folder(None)
        ts.char_class.cache_clear()




@pytest.mark.parametrize(("source", "cut"), [
    (r"(?i)^\W*(please\s+)?(like|follow)\b.*\b(us)\b.*$", r"(?i)^\W*(please\s+)?(like|follow)"),
    (r"^\s*(?:<)?https?://\S+$", r"^\s*(?:<)?https?://\S+$"),  # no required group: whole
    (r"a|(b)c", r"a|(b)c"),  # a top-level alternation: whole
    (r"(x)?(y)+z", r"(x)?(y)"),
])
def test_a_line_hint_keeps_the_pattern_through_its_first_required_group(source: str, cut: str) -> None:
    assert superset(re.compile(source), lines=True) == superset(re.compile(cut), lines=True)
