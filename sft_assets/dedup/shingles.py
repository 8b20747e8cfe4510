"""Text normalization and language-aware shingling for MinHash.

A text is cut into units: each Chinese/Japanese/Korean character is a unit (that text has no spaces, and
word n-grams would give a Jaccard of zero between near-copies) and each run of other word characters is
one, so a Chinese record carrying JSON or code is not one giant "word". Mostly-CJK text is shingled by
`ngram_chars` units, other text by `ngram_words`. Traditional Chinese is folded to Simplified first, and
thousands separators are dropped ("1,000" is the word "1000"), so those variants shingle alike.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from functools import lru_cache
from typing import Any

import numpy as np

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# punctuation and symbols (any script) become spaces: "Hello, world!" and "hello world" shingle alike
NON_WORD = re.compile(r"[^\w\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
# a unit of normalized text: one CJK character, or a run of anything else between spaces and CJK characters
UNIT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|[^\s\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
THOUSANDS_SEPARATOR = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


# For ASCII text the same folding as NON_WORD, done by str.translate (C speed): non-word characters to spaces.
ASCII_NON_WORD = str.maketrans({chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")})


def normalize(text: str) -> str:
    """Casefolded NFKC text with punctuation and thousands separators removed, Traditional Chinese folded
    to Simplified."""
    if "," in text or "，" in text:
        text = THOUSANDS_SEPARATOR.sub("", text)
    if text.isascii():
        return " ".join(text.lower().translate(ASCII_NON_WORD).split())
    text = unicodedata.normalize("NFKC", text)
    if CJK.search(text):
        text = _t2s().convert(text)
    return " ".join(NON_WORD.sub(" ", text.casefold()).split())


def is_cjk(text: str) -> bool:
    return not text.isascii() and len(CJK.findall(text)) * 2 >= len(text.replace(" ", ""))


def units(text: str) -> list[str]:
    """The units of a normalized text: words, and each CJK character alone."""
    return text.split() if text.isascii() else UNIT.findall(text)


def ngram_size(text: str, ngram_words: int, ngram_chars: int) -> int:
    return ngram_chars if is_cjk(text) else ngram_words


def shingles(text: str, ngram_words: int, ngram_chars: int) -> set[bytes]:
    """The shingle set of an already-normalized text: n-grams of its units."""
    parts = units(text)
    n = ngram_size(text, ngram_words, ngram_chars)
    return {" ".join(parts[i:i + n]).encode() for i in range(max(1, len(parts) - n + 1))} if parts else set()


class _UnitHashes(dict):
    """CRC-32 of words and characters, memoized (vocabularies repeat; a dict lookup is cheaper than a hash)."""

    def __missing__(self, unit: str) -> int:
        if len(self) > 2_000_000:
            self.clear()
        value = self[unit] = zlib.crc32(unit.encode())
        return value


_UNIT_HASHES = _UnitHashes()


def shingle_hashes(text: str, ngram_words: int, ngram_chars: int) -> np.ndarray:
    """32-bit hashes of the shingles of a normalized text: CRC-32 of each word (or character), combined
    over the n-gram window arithmetically instead of building n-gram strings."""
    parts = units(text)
    n = ngram_size(text, ngram_words, ngram_chars)
    if not parts:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.fromiter(map(_UNIT_HASHES.__getitem__, parts), dtype=np.uint64, count=len(parts))
    if len(hashes) < n:
        n = len(hashes)
    window = len(hashes) - n + 1
    combined = np.zeros(window, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            combined = combined * np.uint64(0x100000001B3) + hashes[k:k + window]
    return np.unique((combined ^ (combined >> np.uint64(29))) & np.uint64(0xFFFFFFFF))


def batch_shingle_hashes(texts: list[str], ngram_words: int, ngram_chars: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many normalized texts at once: (flat hashes, shingles per text).

    The same values as `shingle_hashes` per text (before de-duplication, which does not change a MinHash),
    computed over one concatenated array so that numpy's per-call overhead is paid per batch, not per text.
    """
    cjk = [is_cjk(t) for t in texts]
    split = [units(t) for t in texts]
    lengths = np.fromiter((len(u) for u in split), dtype=np.int64, count=len(split))
    flat = np.fromiter(map(_UNIT_HASHES.__getitem__, (x for u in split for x in u)), dtype=np.uint64,
                       count=int(lengths.sum()))
    sizes = np.zeros(len(texts), dtype=np.int64)
    pieces: list[tuple[int, np.ndarray]] = []
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    for is_cjk_group, n in ((False, ngram_words), (True, ngram_chars)):
        rows = np.flatnonzero((np.array(cjk, dtype=bool) == is_cjk_group) & (lengths >= n))
        if len(rows) == 0:
            continue
        window = np.zeros(len(flat), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for k in range(n):
                shifted = np.zeros(len(flat), dtype=np.uint64)
                shifted[: len(flat) - k] = flat[k:]
                window = window * np.uint64(0x100000001B3) + shifted
        mixed = (window ^ (window >> np.uint64(29))) & np.uint64(0xFFFFFFFF)
        for r in rows.tolist():
            count = int(lengths[r]) - n + 1
            sizes[r] = count
            pieces.append((r, mixed[starts[r]:starts[r] + count]))
    short = np.flatnonzero((lengths > 0) & (sizes == 0))
    for r in short.tolist():  # shorter than one n-gram: the whole text is the one shingle
        h = shingle_hashes(texts[r], ngram_words, ngram_chars)
        sizes[r] = len(h)
        pieces.append((r, h))
    pieces.sort(key=lambda p: p[0])
    hashes = np.concatenate([p[1] for p in pieces]) if pieces else np.zeros(0, dtype=np.uint64)
    return hashes, sizes


def conversation_text(messages: list[dict[str, Any]], which: str) -> str:
    """The turns that are hashed: user turns, assistant turns, or the whole conversation."""
    roles = {"user": ("user",), "assistant": ("assistant",)}.get(which, ("system", "user", "assistant"))
    return "\n".join(m.get("content") or "" for m in messages if m["role"] in roles)
