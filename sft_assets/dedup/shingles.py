"""Text normalization and language-aware shingling for MinHash.

Chinese/Japanese/Korean text has no spaces, so it is shingled by characters (word n-grams would give a
Jaccard of zero between near-copies); other text by words. Traditional Chinese is folded to Simplified
first, so the two variants of a text shingle alike.
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


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


# For ASCII text the same folding as NON_WORD, done by str.translate (C speed): non-word characters to spaces.
ASCII_NON_WORD = str.maketrans({chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")})


def normalize(text: str) -> str:
    """Casefolded NFKC text with punctuation removed, Traditional Chinese folded to Simplified."""
    if text.isascii():
        return " ".join(text.lower().translate(ASCII_NON_WORD).split())
    text = unicodedata.normalize("NFKC", text)
    if CJK.search(text):
        text = _t2s().convert(text)
    return " ".join(NON_WORD.sub(" ", text.casefold()).split())


def is_cjk(text: str) -> bool:
    return not text.isascii() and len(CJK.findall(text)) * 2 >= len(text.replace(" ", ""))


def shingles(text: str, ngram_words: int, ngram_chars: int) -> set[bytes]:
    """The shingle set of an already-normalized text (character n-grams for CJK, word n-grams otherwise)."""
    if is_cjk(text):
        chars = text.replace(" ", "")
        n = ngram_chars
        return {chars[i:i + n].encode() for i in range(max(1, len(chars) - n + 1))} if chars else set()
    words = text.split()
    n = ngram_words
    return {" ".join(words[i:i + n]).encode() for i in range(max(1, len(words) - n + 1))} if words else set()


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
    cjk = is_cjk(text)
    units = list(text.replace(" ", "")) if cjk else text.split()
    n = ngram_chars if cjk else ngram_words
    if not units:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.fromiter(map(_UNIT_HASHES.__getitem__, units), dtype=np.uint64, count=len(units))
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
    units = [list(t.replace(" ", "")) if c else t.split() for t, c in zip(texts, cjk, strict=True)]
    lengths = np.fromiter((len(u) for u in units), dtype=np.int64, count=len(units))
    flat = np.fromiter(map(_UNIT_HASHES.__getitem__, (x for u in units for x in u)), dtype=np.uint64,
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
