"""Vectorized gates in front of the filter rules: for a whole chunk, which rows could each rule speak about?

A gate is a NECESSARY condition for its rule (in rules.py) to return a verdict, computed for all rows at
once over the texts texts.py pulls out of the JSON, with Arrow's RE2 kernels and compiled code-point counts
(textscan.py). Rows where a rule's gate is False
skip that rule's Python check, with no change in outcome: regex gates are the rule's own pattern widened to
an RE2 superset (re2_bounds.py), counts use Python's own character classes, and anything a gate cannot
bound (a fenced block that prose_only would cut out, case folds RE2 does not share) sends the row to Python.
`test_filter_gates.py` checks that outcomes with and without gates are identical.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property, lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sft_assets import textscan as ts
from sft_assets.clean.segments import fence_lines, prose_only
from sft_assets.filter import language as lang
from sft_assets.filter import rules as r
from sft_assets.filter.langid_batch import decide_many
from sft_assets.filter.texts import conversation_texts
from sft_assets.re2_bounds import PY_SPACE_CHARS, superset
from sft_assets.re2_set import union

FOLD_HAZARD = r"[\x{130}\x{131}\x{17f}\x{212a}]"
FENCE = r"```|~~~"
WORD_PREFIX = lang.SAMPLE_CHARS  # word-count gates look at this many characters: enough words there settle it


class FilterBatch:
    """The texts of one chunk of conversations as Arrow columns (texts.py), and measurements shared by the
    gates: user, assistant, every, reply, reply_prose (the reply without fenced code) and blank_turn."""

    def __init__(self, messages: pa.Array | pa.ChunkedArray) -> None:
        self._columns, self.blank_turn, self.unreadable = conversation_texts(messages)
        self.rows = len(self.blank_turn)
        self._texts: dict[tuple[str, int | None], tuple[np.ndarray, np.ndarray]] = {}
        self._matches: dict[tuple[str, str], np.ndarray] = {}

    def column(self, name: str) -> pa.Array:
        if name == "reply_prose" and name not in self._columns:
            reply = self._columns["reply"]
            fenced = self.matches("reply", FENCE)
            prose = [prose_only(t) for t in reply.filter(pa.array(fenced)).to_pylist()]  # as ExampleView
            self._columns[name] = pc.replace_with_mask(reply, pa.array(fenced), pa.array(prose, reply.type)) \
                if prose else reply
        return self._columns[name]

    def has(self, name: str) -> bool:
        """Whether the column is already built."""
        return name in self._columns

    def strings(self, name: str, rows: np.ndarray) -> list[str]:
        return self.column(name).take(pa.array(rows, pa.int64())).to_pylist()

    def text(self, name: str, first: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Code points and row bounds of one text per row (its first `first` characters when given)."""
        key = (name, first)
        if key not in self._texts:
            self._texts[key] = ts.codepoints_of_column(self.column(name), -1 if first is None else first)
        return self._texts[key]

    def words(self, name: str, first: int | None, cap: int, cjk: bool = False,
              wanted: np.ndarray | None = None) -> np.ndarray:
        """Whitespace-separated words, counted up to `cap` (plus one per CJK character, as rules._words
        counts, with `cjk`), in the rows `wanted` (all by default; 0 elsewhere)."""
        alone = ts.char_class(r.CJK_RUN.pattern) if cjk else ts.no_chars()
        wanted = np.ones(self.rows, dtype=bool) if wanted is None else wanted
        return ts.word_counts(*ts.utf8_buffers(self.column(name)), -1 if first is None else first,
                              ts.space_table(), alone, cap, wanted)

    def matches(self, name: str, pattern: str, where: np.ndarray | None = None) -> np.ndarray:
        """Rows whose text `name` holds a match (searched only among rows `where` when given; patterns of
        the column's group are searched only among rows that match any of the group)."""
        key = (name, pattern)
        if key not in self._matches:
            group = GROUPS.get(name, ())
            if where is None and pattern in group:
                where = self.matches(name, union(group))
            elif where is None and pattern == FENCE and name != "every":
                where = self.matches("every", FENCE)  # every message is in `every`, whole
            self._matches[key] = self._search(name, pattern, where)
        return self._matches[key]

    def _search(self, name: str, pattern: str, where: np.ndarray | None) -> np.ndarray:
        column = self.column(name)
        if where is None:
            return pc.match_substring_regex(column, pattern).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(where)
        found = np.zeros(self.rows, dtype=bool)
        if rows.size:
            found[rows] = pc.match_substring_regex(column.take(rows), pattern).to_numpy(zero_copy_only=False)
        return found

    def byte_lengths(self, name: str) -> np.ndarray:
        return pc.binary_length(self.column(name)).to_numpy(zero_copy_only=False)

    def char_lengths(self, name: str) -> np.ndarray:
        return pc.utf8_length(self.column(name)).to_numpy(zero_copy_only=False)

    @cached_property
    def fold_hazard(self) -> np.ndarray:
        return self.matches("every", FOLD_HAZARD)


def rule_gates(batch: FilterBatch, rules: list) -> dict[str, np.ndarray]:
    """For each rule, a bool per row: True where the rule may return a verdict."""
    gates = {}
    for rule in rules:
        gate = GATES[rule.name](batch, rule.cfg) if batch.rows else np.zeros(0, dtype=bool)
        gates[rule.name] = gate | batch.fold_hazard | batch.unreadable if batch.rows else gate
    return gates


@lru_cache(maxsize=None)
def _re2(pattern: re.Pattern[str]) -> str:
    return superset(pattern)


def _token_length(b: FilterBatch, c) -> np.ndarray:
    few = b.words("every", WORD_PREFIX, c.min_example_tokens, cjk=True) < c.min_example_tokens  # as has_words
    many = b.byte_lengths("every") > c.max_example_tokens  # every token is at least one byte
    return few | many | (b.byte_lengths("user") > c.max_user_tokens) | (b.byte_lengths("assistant") > c.max_assistant_tokens)


def _empty_output(b: FilterBatch, c) -> np.ndarray:
    return b.blank_turn | b.matches("reply", _re2(r.PLACEHOLDER_OUTPUTS))


def _too_few_words(b: FilterBatch, c) -> np.ndarray:
    words = b.words("user", WORD_PREFIX, c.min_words, cjk=True) + b.words("assistant", WORD_PREFIX, c.min_words, cjk=True)
    return words < c.min_words


def _placeholder(b: FilterBatch, c) -> np.ndarray:
    """A placeholder in the prose of a message (prose_only) either lies in one piece of the message, and
    then in the message itself (the pattern has no assertions at its ends), or spans the place where a
    fenced block was cut out: it opens before the block (the piece before ends with a line break, the fence
    line follows) and closes after it."""
    fenced = b.matches("every", FENCE)
    return b.matches("every", _re2(r.PLACEHOLDER)) | b.matches("every", OPENED_BEFORE_A_FENCE, where=fenced)


# An opener of a PLACEHOLDER alternative followed, without its closer, by a fence (a superset of "the
# pattern's text before a join of prose_only").
OPENED_BEFORE_A_FENCE = r"(?:\{\{[^}]*|\[[^\]]*|<[^>]*|【[^】]*)(?:```|~~~)"


def _hint(pattern: re.Pattern[str]) -> str:
    """A rule's cheap hint, which it searches in the lowercased text, as an RE2 search of the text itself:
    case-insensitive (rows whose characters lowercase into something else are fold hazards)."""
    return "(?i)" + _re2(pattern)


def _hinted(b: FilterBatch, hint: re.Pattern[str], pattern: re.Pattern[str]) -> np.ndarray:
    """Rows whose user text holds the rule's hint and then its pattern (searched among those rows only)."""
    return b.matches("user", _re2(pattern), where=b.matches("user", _hint(hint)))


HTTP = "(?i)http"  # the rule's `"http" in ex.user_lower`


def _unseen_content(b: FilterBatch, c) -> np.ndarray:
    http = b.matches("user", HTTP)
    page = b.matches("user", _re2(r.READ_VERB), where=b.matches("user", _re2(r.URL), where=http))
    return page | b.matches("user", _re2(r.MEDIA_URL), where=http) | _hinted(b, r.ATTACHMENT_HINT, r.ATTACHMENT)


def _media_request(b: FilterBatch, c) -> np.ndarray:
    return _hinted(b, r.MEDIA_HINT, r.MEDIA_REQUEST)


def _truncated(b: FilterBatch, c) -> np.ndarray:
    fenced = np.flatnonzero(b.matches("reply", FENCE))
    replies = [reply.rstrip() for reply in b.strings("reply", fenced)]  # as the rule strips it
    unclosed = np.zeros(b.rows, dtype=bool)
    unclosed[fenced] = [fence_lines(reply) % 2 == 1 for reply in replies]
    if c.mid_sentence_action == "off":
        return unclosed
    # The rule reads the last line of the stripped reply when the reply ends in prose (after a closing
    # fence it says nothing): the line ends with the reply's last visible character. reply_prose is the
    # reply where it has no fence.
    ends_sentence = ts.last_visible_in(*b.text("reply_prose"), ts.space_table(), ts.char_class(r.SENTENCE_END_CHAR))
    ends_sentence[fenced] = [r.SENTENCE_END.match(reply[-1:]) is not None for reply in replies]
    long = (b.char_lengths("reply") >= c.min_chars_for_mid_sentence) & ~ends_sentence
    return unclosed | (long & ~b.matches("reply", LIST_LAST_LINE, where=long))


# A subset of "the last line of the stripped reply, left-stripped, starts with a list mark" (Truncated).
LIST_LAST_LINE = rf"(?:^|\n)[ \t]*[{re.escape(''.join(r.LIST_MARKS))}][^\n]*[{PY_SPACE_CHARS}]*$"


def _empty_code(b: FilterBatch, c) -> np.ndarray:
    return _hinted(b, r.CODE_HINT, r.CODE_REQUEST)


def _refusal(b: FilterBatch, c) -> np.ndarray:
    found = b.matches("reply", _re2(r.REFUSAL))
    # the rule counts _words(reply); for unfenced rows reply_prose is the reply, and words only grow
    short = b.words("reply_prose", None, c.max_words + 1, cjk=True, wanted=found) <= c.max_words
    return found & (short | b.matches("reply", FENCE))


@lru_cache(maxsize=1)
def special_table() -> np.ndarray:
    """The characters SpecialChars counts as unusual."""
    table = ~ts.char_class(r.NON_ASCII_ORDINARY.pattern)
    table[[ord(ch) for ch in r.ORDINARY_ASCII]] = False
    table[[ord(ch) for ch in r.ASCII_SPECIAL]] = True
    return table


def _special_chars(b: FilterBatch, c) -> np.ndarray:
    cp, bounds = b.text("reply_prose")
    length, special = np.diff(bounds), ts.count_class(cp, bounds, special_table())
    return (length >= c.min_chars) & (special / np.maximum(length, 1) > c.max_ratio)


def _repetition(b: FilterBatch, c) -> np.ndarray:
    cp, bounds = b.text("reply_prose")
    lines, line_dup, grams, gram_dup, hazard = ts.repetition_bounds(
        cp, bounds, ts.space_table(), ts.line_break_table(), ts.lower_table(), ts.char_class(r.CJK_CHAR.pattern),
        r.NGRAM_SCAN_CHARS, c.min_lines, c.min_line_chars, c.ngram_words, c.ngram_chars, c.min_ngrams)
    by_lines = (lines >= c.min_lines) & (line_dup > c.max_duplicate_line_ratio)
    return hazard | by_lines | ((grams >= c.min_ngrams) & (gram_dup > c.max_duplicate_ngram_ratio))


def _language(b: FilterBatch, c) -> np.ndarray:
    reply = SampleStats(*b.text("reply_prose"))
    user = SampleStats(*b.text("user", WORD_PREFIX))
    code = reply_language(reply, c.min_chars)
    allowed = np.array([name in c.allowed for name in LANGUAGE_CODES], dtype=bool)[code]
    speaks = (code != UND) & (code != NEEDS_MODEL) & ~allowed
    need = np.flatnonzero(code == NEEDS_MODEL)
    if need.size:  # classify those samples in bulk; the rule reuses the results
        samples = [text[:lang.SAMPLE_CHARS] for text in b.strings("reply_prose", need)]
        found = decide_many(samples, c.min_confidence)
        lang.remember(samples, c.min_confidence, found)
        speaks[need] = [name != lang.UNDETERMINED and name not in c.allowed for name in found]
    if c.mismatch_action == "off":
        return speaks
    # len(user.strip()) >= MIN_SCRIPT_CHARS: the sample settles it unless the user text is longer
    long_user = (user.stripped >= r.MIN_SCRIPT_CHARS) | (b.char_lengths("user") > lang.SAMPLE_CHARS)
    prompt, answer = script_family(user), script_family(reply)
    differ = (prompt != UND) & (answer != UND) & (prompt != answer)
    return speaks | (long_user & (differ | b.matches("user", FENCE)))


LANGUAGE_CODES = ("und", "en", "zh", "ja", "ko", "latin", "cjk", "model")
UND, EN, ZH, JA, KO, LATIN, CJK, NEEDS_MODEL = range(len(LANGUAGE_CODES))


@lru_cache(maxsize=1)
def _script_table() -> np.ndarray:
    """Han 1, kana 2, hangul 3, ASCII letter 4 (the classes language.py counts), else 0."""
    table = np.zeros(ts.UNICODE, dtype=np.uint8)
    for value, pattern in enumerate((lang.HAN.pattern, lang.KANA.pattern, lang.HANGUL.pattern, "[A-Za-z]"), 1):
        table[ts.char_class(pattern)] = value
    return table


class SampleStats:
    """What language.py counts in a text's first SAMPLE_CHARS characters, for every row at once."""

    def __init__(self, cp: np.ndarray, bounds: np.ndarray) -> None:
        self.cp, self.bounds = cp, bounds
        counts, non_ascii, self.stripped, self.words = ts.sample_stats(
            cp, bounds, lang.SAMPLE_CHARS, _script_table(), ts.space_table(), 4)
        self.han, self.kana, self.hangul, self.latin = counts.T
        self.ascii = non_ascii == 0

    def markers(self, wanted: np.ndarray) -> np.ndarray:
        """English marker words in the sample, for the rows `wanted` (0 elsewhere)."""
        return ts.marker_words(self.cp, self.bounds, ts.space_table(), _MARKER_PUNCT, _marker_codes(),
                               lang.SAMPLE_CHARS, wanted)


def script_family(sample: SampleStats) -> np.ndarray:
    """language.script_family for every row of a sample: LATIN, CJK or UND."""
    cjk = sample.han + sample.kana + sample.hangul
    family = np.where(cjk * lang.CJK_WEIGHT >= sample.latin, CJK, LATIN)
    return np.where((cjk == 0) & (sample.latin == 0), UND, family)


def reply_language(sample: SampleStats, min_chars: int) -> np.ndarray:
    """language.detect_language for every row of a sample, except that rows the py3langid model would
    decide come back as NEEDS_MODEL."""
    han, kana, hangul, latin = sample.han, sample.kana, sample.hangul, sample.latin
    short = sample.stripped < min_chars
    markers = sample.markers(sample.ascii & ~short)  # detect_language counts them for these only
    english = ~short & (markers >= 3) & (markers * 8 >= sample.words)
    ascii_code = np.where(short, UND, np.where(english, EN, np.where(latin > 0, NEEDS_MODEL, UND)))
    enough_cjk = han + kana + hangul >= min_chars // 4
    other = np.where((short | (latin == 0)), UND, NEEDS_MODEL)
    other = np.where((han > 0) & (han * lang.CJK_WEIGHT >= latin), np.where(enough_cjk, ZH, UND), other)
    other = np.where((hangul > 0) & (hangul * lang.CJK_WEIGHT >= latin), np.where(enough_cjk, KO, UND), other)
    other = np.where((kana > 0) & ((kana + han) * lang.CJK_WEIGHT >= latin), np.where(enough_cjk, JA, UND), other)
    return np.where(sample.ascii, ascii_code, other)


_MARKER_PUNCT = np.isin(np.arange(128), [ord(ch) for ch in lang.MARKER_PUNCT])


def _pack(word: str) -> int:
    return sum(ord(ch) << (8 * i) for i, ch in enumerate(word))


@lru_cache(maxsize=1)
def _marker_codes() -> np.ndarray:
    if not all(len(w) <= 8 and w.isascii() for w in lang.ENGLISH_MARKERS):
        raise ValueError("English markers must be ASCII words of at most 8 characters to be packed")
    return np.array(sorted(_pack(w) for w in lang.ENGLISH_MARKERS), dtype=np.uint64)


# Patterns searched in the same text: one search for any of them rules most rows out for all of them.
GROUPS = {
    "every": (_re2(r.PLACEHOLDER), FENCE, FOLD_HAZARD),
    "user": (HTTP, _hint(r.ATTACHMENT_HINT), _hint(r.MEDIA_HINT), _hint(r.CODE_HINT)),
    "reply": (_re2(r.PLACEHOLDER_OUTPUTS), _re2(r.REFUSAL)),  # both anchored at the start: a quick pass
}

GATES: dict[str, Callable[[FilterBatch, object], np.ndarray]] = {
    "token_length": _token_length, "empty_output": _empty_output, "too_few_words": _too_few_words,
    "placeholder": _placeholder, "unseen_content": _unseen_content, "media_request": _media_request,
    "truncated": _truncated, "empty_code": _empty_code, "refusal": _refusal, "special_chars": _special_chars,
    "repetition": _repetition, "language": _language,
}
