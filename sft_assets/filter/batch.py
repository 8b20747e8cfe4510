"""FilterBatch: the texts of one chunk of conversations as Arrow columns, and vectorized measurements over
them that the rules' pre-filters share (regex searches, word counts, character classes, language samples).

It knows no rule: a rule asks for measurements by pattern, table or column name. Every memo lives in the
batch, so nothing outlives the chunk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cached_property, lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sft_assets.core.segments import prose_only
from sft_assets.kernels import text as ts
from sft_assets.kernels.chat_json import conversation_texts
from sft_assets.kernels.re2_bounds import PY_SPACE_CHARS, superset
from sft_assets.kernels.re2_set import union

FOLD_HAZARD = r"[\x{130}\x{131}\x{17f}\x{212a}]"  # characters whose case folds differ between RE2 and Python
FENCE = r"```|~~~"
SPACE_CHARS = PY_SPACE_CHARS  # str.isspace, as an RE2 class body
WORD_PREFIX = 300  # characters a word-count pre-filter looks at: enough words there usually settle it


@lru_cache(maxsize=None)
def re2(pattern: re.Pattern[str]) -> str:
    """A rule pattern widened to an RE2 superset (a pure translation of the pattern)."""
    return superset(pattern)


def hint(pattern: re.Pattern[str]) -> str:
    """A rule's cheap hint, which the rule searches in the lowercased text, as an RE2 search of the text
    itself: case-insensitive (rows whose characters lowercase into something else are fold hazards)."""
    return "(?i)" + re2(pattern)


class FilterBatch:
    """Columns: user, assistant, every, reply (kernels.chat_json) and reply_prose (the reply without fenced
    code), plus blank_turn and unreadable per row. `groups` are the patterns searched per column (the rules'
    declared hints): one search for any of them rules most rows out for all of them."""

    def __init__(self, messages: pa.Array | pa.ChunkedArray, groups: Mapping[str, Sequence[str]] | None = None) -> None:
        self._columns, self.blank_turn, self.unreadable = conversation_texts(messages)
        self.rows = len(self.blank_turn)
        self.groups = {name: tuple(patterns) for name, patterns in (groups or {}).items()}
        self.groups["every"] = (*self.groups.get("every", ()), FENCE, FOLD_HAZARD)
        self.known_languages: dict[tuple[str, float], str] = {}  # (sample, min_confidence) -> decision
        self._texts: dict[tuple[str, int | None], tuple[np.ndarray, np.ndarray]] = {}
        self.matches_pattern: dict[tuple[str, str], np.ndarray] = {}

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

    def words(self, name: str, first: int | None, cap: int, alone: str | None = None,
              wanted: np.ndarray | None = None) -> np.ndarray:
        """Whitespace-separated words, counted up to `cap`, plus one per character of the class `alone`
        (a Python regex class, for scripts written without spaces), in the rows `wanted` (all by default;
        0 elsewhere)."""
        alone_table = ts.char_class(alone) if alone else ts.no_chars()
        wanted = np.ones(self.rows, dtype=bool) if wanted is None else wanted
        return ts.word_counts(*ts.utf8_buffers(self.column(name)), -1 if first is None else first,
                              ts.space_table(), alone_table, cap, wanted)

    def matches(self, name: str, pattern: str, where: np.ndarray | None = None) -> np.ndarray:
        """Rows whose text `name` holds a match of the RE2 `pattern` (searched only among rows `where` when
        given; patterns of the column's group only among rows that match any of the group)."""
        key = (name, pattern)
        if key not in self.matches_pattern:
            group = self.groups.get(name, ())
            if where is None and pattern in group:
                where = self.matches(name, union(group))
            elif where is None and pattern == FENCE and name != "every":
                where = self.matches("every", FENCE)  # every message is in `every`, whole
            self.matches_pattern[key] = self._search(name, pattern, where)
        return self.matches_pattern[key]

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

    # --- character-class measurements (tables: a bool or small int per code point) -------------------

    @staticmethod
    def char_class(pattern: str) -> np.ndarray:
        """A bool per code point: does the Python regex character class `pattern` match it."""
        return ts.char_class(pattern)

    def count_in_class(self, name: str, table: np.ndarray) -> np.ndarray:
        """Per row: characters of the text in the class `table`."""
        return ts.count_class(*self.text(name), table)

    def ends_in_class(self, name: str, table: np.ndarray) -> np.ndarray:
        """Per row: is the last character that is not whitespace in the class (False for blank texts)."""
        return ts.last_visible_in(*self.text(name), ts.space_table(), table)

    def sample_counts(self, name: str, first: int, categories: np.ndarray, classes: int):
        """Over each text's first `first` characters: characters per category (`categories` maps a code point
        to 0 or a category 1..classes; column k counts category k + 1), non-ASCII characters, the stripped
        length and the whitespace-word count."""
        return ts.sample_stats(*self._prefix(name, first), first, categories, ts.space_table(), classes)

    def words_in_set(self, name: str, first: int, words: frozenset[str], punct: str, wanted: np.ndarray) -> np.ndarray:
        """Per row where `wanted` (0 elsewhere), over the first `first` characters: whitespace words whose
        lowercased form with `punct` stripped from both ends is in `words` (ASCII words of at most 8 letters)."""
        punct_table = np.isin(np.arange(128), [ord(ch) for ch in punct])
        return ts.marker_words(*self._prefix(name, first), ts.space_table(), punct_table, _packed(words), first, wanted)

    def _prefix(self, name: str, first: int) -> tuple[np.ndarray, np.ndarray]:
        """The text's code points, whole when already decoded (measurements stop at `first` anyway)."""
        return self._texts.get((name, None)) or self.text(name, first)

    def repetition(self, name: str, cjk: str, head_chars: int, min_lines: int, min_line_chars: int,
                   ngram_words: int, ngram_chars: int, min_ngrams: int):
        """Per row: (prose lines, their duplicate ratio, n-grams, their duplicate share, hazard) as
        kernels.text.repetition_bounds measures them (hash-based: duplicate ratios are upper bounds)."""
        return ts.repetition_bounds(*self.text(name), ts.space_table(), ts.line_break_table(), ts.lower_table(),
                                    ts.char_class(cjk), head_chars, min_lines, min_line_chars, ngram_words,
                                    ngram_chars, min_ngrams)


def _pack(word: str) -> int:
    return sum(ord(ch) << (8 * i) for i, ch in enumerate(word))


@lru_cache(maxsize=4)
def _packed(words: frozenset[str]) -> np.ndarray:
    if not all(len(w) <= 8 and w.isascii() for w in words):
        raise ValueError("words must be ASCII words of at most 8 characters to be packed")
    return np.array(sorted(_pack(w) for w in words), dtype=np.uint64)
