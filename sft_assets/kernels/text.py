"""Per-row text measurements for a whole batch of strings at compiled speed, with Python's own semantics.

A batch of strings becomes one array of code points (a single UTF-32 encode of the joined text) plus row
bounds. Character classes are lookup tables over all of Unicode filled by asking Python itself (`str.isspace`,
`str.lower`, a compiled `re` class), and the loops are numba-compiled, so a count taken here equals the count
the per-row Python code gets. Hashes stand in for string equality where duplicates are counted; a collision
can only merge two different items, so duplicate ratios from here are upper bounds of Python's.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from functools import lru_cache

import numpy as np
import pyarrow as pa
from numba import njit

from sft_assets.kernels.re2_bounds import LINE_BREAKS
from sft_assets.kernels.disk_cache import cached_file

UNICODE = 0x110000


HAZARD = -1  # lower-case table value where str.lower is not one character for one (İ) or depends on context (Σ)


@lru_cache(maxsize=1)
def _all_chars() -> str:
    return np.arange(UNICODE, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


@lru_cache(maxsize=None)
def char_class(pattern: str) -> np.ndarray:
    """A bool per code point: does the Python regex character class `pattern` match it. Scanning all of
    Unicode takes about 40 ms per class, so tables are kept in the disk cache, per Python and Unicode version."""
    key = hashlib.sha256(f"{sys.version}|{unicodedata.unidata_version}|{pattern}".encode()).hexdigest()[:24]
    cached = cached_file(f"char-class-{key}.npy", lambda path: _save(path, np.packbits(scan_class(pattern))))
    if cached is not None:
        try:
            return np.unpackbits(np.load(cached, allow_pickle=False), count=UNICODE).astype(np.bool_)
        except (OSError, ValueError):
            pass  # unreadable cache file: compute it
    return scan_class(pattern)


def _save(path, array: np.ndarray) -> None:
    with open(path, "wb") as out:
        np.save(out, array, allow_pickle=False)


def scan_class(pattern: str) -> np.ndarray:
    table = np.zeros(UNICODE, dtype=np.bool_)
    for match in re.finditer(f"(?:{pattern})+", _all_chars()):  # runs, not one match per character
        table[match.start():match.end()] = True
    return table


@lru_cache(maxsize=1)
def space_table() -> np.ndarray:
    """str.isspace, which str.split and str.strip use."""
    return char_class(r"\s")


@lru_cache(maxsize=1)
def line_break_table() -> np.ndarray:
    table = np.zeros(UNICODE, dtype=np.bool_)
    table[[ord(ch) for ch in LINE_BREAKS]] = True
    return table


@lru_cache(maxsize=1)
def lower_table() -> np.ndarray:
    """Code point -> the code point str.lower gives it, or HAZARD."""
    chars = _all_chars()
    hazards = [cp for cp in (0x130, 0x3A3) if len(chars[cp].lower()) != 1 or cp == 0x3A3]
    safe = chars.replace("\u0130", "\u0130".lower()[0])  # keep one character per position
    table = codepoints_of([safe.lower()])[0].astype(np.int32)
    table[hazards] = HAZARD
    return table


def utf8_buffers(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(UTF-8 bytes, row byte offsets, row is not null) of a string column, without copying the text."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], pa.large_string())
    column = column.cast(pa.large_string())
    n = len(column)
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int64)[column.offset:column.offset + n + 1]
    data_buffer = column.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    valid = column.is_valid().to_numpy(zero_copy_only=False) if column.null_count else np.ones(n, dtype=np.bool_)
    return data, offsets, valid


def codepoints_of_column(column: pa.Array | pa.ChunkedArray, first: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Like codepoints_of(column.to_pylist()), each text cut to its first `first` characters when first >= 0,
    decoded straight from the Arrow UTF-8 buffers (nulls count as empty texts)."""
    return _decode_utf8(*utf8_buffers(column), first)


@njit(cache=True, nogil=True, inline="always")
def _char_at(data, i):  # pragma: no cover - compiled
    """(code point, index of the next character) of the UTF-8 character at data[i]."""
    b0 = data[i]
    if b0 < 0x80:
        return np.uint32(b0), i + 1
    if b0 < 0xE0:
        return (np.uint32(b0 & 0x1F) << 6) | np.uint32(data[i + 1] & 0x3F), i + 2
    if b0 < 0xF0:
        return ((np.uint32(b0 & 0x0F) << 12) | (np.uint32(data[i + 1] & 0x3F) << 6)
                | np.uint32(data[i + 2] & 0x3F)), i + 3
    return ((np.uint32(b0 & 0x07) << 18) | (np.uint32(data[i + 1] & 0x3F) << 12)
            | (np.uint32(data[i + 2] & 0x3F) << 6) | np.uint32(data[i + 3] & 0x3F)), i + 4


@njit(cache=True, nogil=True)
def _decode_utf8(data, offsets, valid, first):  # pragma: no cover - compiled
    rows = len(offsets) - 1
    cp = np.empty(max(offsets[-1] - offsets[0], 0) if rows else 0, np.uint32)
    bounds = np.zeros(rows + 1, np.int64)
    k = 0
    for row in range(rows):
        i, end, chars = offsets[row], offsets[row + 1], 0
        if valid[row]:
            while i < end and chars != first:
                cp[k], i = _char_at(data, i)
                k += 1
                chars += 1
        bounds[row + 1] = k
    return cp[:k], bounds


def codepoints_of(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts' code points in one array, and row bounds (row i is cp[bounds[i]:bounds[i+1]])."""
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=bounds[1:])
    cp = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return cp, bounds


@njit(cache=True, nogil=True)
def count_class(cp, bounds, table):  # pragma: no cover - compiled
    """Per row: characters in the class."""
    out = np.zeros(len(bounds) - 1, np.int64)
    for row in range(len(bounds) - 1):
        n = 0
        for i in range(bounds[row], bounds[row + 1]):
            n += table[cp[i]]
        out[row] = n
    return out


@njit(cache=True, nogil=True)
def last_visible_in(cp, bounds, space, table):  # pragma: no cover - compiled
    """Per row: is the last character that is not whitespace in the class `table` (False for blank rows)."""
    out = np.zeros(len(bounds) - 1, np.bool_)
    for row in range(len(bounds) - 1):
        i = bounds[row + 1] - 1
        while i >= bounds[row] and space[cp[i]]:
            i -= 1
        out[row] = i >= bounds[row] and table[cp[i]]
    return out


@njit(cache=True, nogil=True)
def word_counts(data, offsets, valid, first, space, alone, cap, wanted):  # pragma: no cover - compiled
    """Per row where `wanted` (0 elsewhere), over text[:first] (all of it when first < 0): min(cap,
    len(text.split())), where each character of the class `alone` also counts as a word of its own and
    separates words (such as CJK characters); an empty `alone` class: plain split. Reads a
    string column's UTF-8 buffers (utf8_buffers) and stops at `cap`, decoding no further than it looks."""
    out = np.zeros(len(offsets) - 1, np.int64)
    for row in range(len(offsets) - 1):
        if not wanted[row] or not valid[row]:
            continue
        n, inside, i, end, chars = 0, False, offsets[row], offsets[row + 1], 0
        while i < end and n < cap and chars != first:
            c, i = _char_at(data, i)
            chars += 1
            if space[c]:
                inside = False
            elif alone[c]:
                inside = False
                n += 1
            elif not inside:
                inside = True
                n += 1
        out[row] = n
    return out


@lru_cache(maxsize=1)
def no_chars() -> np.ndarray:
    """The empty character class."""
    return np.zeros(UNICODE, dtype=np.bool_)


@njit(cache=True, nogil=True)
def sample_stats(cp, bounds, first, category, space, classes):  # pragma: no cover - compiled
    """Per row, over text[:first]: characters per category (a table of small ints; column k counts value
    k + 1), non-ASCII characters, len(sample.strip()) and len(sample.split())."""
    rows = len(bounds) - 1
    counts = np.zeros((rows, classes), np.int64)
    non_ascii, stripped, words = np.zeros(rows, np.int64), np.zeros(rows, np.int64), np.zeros(rows, np.int64)
    local = np.zeros(classes + 1, np.int64)  # per row; slot 0 counts characters of no category
    for row in range(rows):
        start = bounds[row]
        end = min(bounds[row + 1], start + first)
        lo, hi, n, inside, wide = -1, -1, 0, False, 0
        local[:] = 0
        for i in range(start, end):
            c = cp[i]
            local[category[c]] += 1
            wide += c >= 128
            if space[c]:
                inside = False
            else:
                if lo < 0:
                    lo = i
                hi = i
                if not inside:
                    inside = True
                    n += 1
        counts[row] = local[1:]
        non_ascii[row] = wide
        stripped[row] = hi - lo + 1 if lo >= 0 else 0
        words[row] = n
    return counts, non_ascii, stripped, words


@njit(cache=True, nogil=True)
def marker_words(cp, bounds, space, punct, markers, first, wanted):  # pragma: no cover - compiled
    """Per row where `wanted`: whitespace words whose lowercased form, with `punct` stripped from both ends,
    is one of `markers` (sorted words of at most 8 ASCII characters, packed little-endian into uint64)."""
    out = np.zeros(len(bounds) - 1, np.int64)
    for row in range(len(bounds) - 1):
        if not wanted[row]:
            continue
        i, n = bounds[row], 0
        end = min(bounds[row + 1], i + first)
        while i < end:
            if space[cp[i]]:
                i += 1
                continue
            j = i
            while j < end and not space[cp[j]]:
                j += 1
            a, b = i, j
            while a < b and cp[a] < 128 and punct[cp[a]]:
                a += 1
            while b > a and cp[b - 1] < 128 and punct[cp[b - 1]]:
                b -= 1
            if 0 < b - a <= 8:
                packed, ok = np.uint64(0), True
                for k in range(a, b):
                    c = cp[k]
                    if c >= 128:
                        ok = False
                        break
                    if 65 <= c <= 90:
                        c += 32
                    packed |= np.uint64(c) << np.uint64(8 * (k - a))
                if ok:
                    at = np.searchsorted(markers, packed)
                    if at < len(markers) and markers[at] == packed:
                        n += 1
            i = j
        out[row] = n
    return out


@njit(cache=True, nogil=True)
def _duplicates(hashes, n, keys, counts, used):  # pragma: no cover - compiled
    """(distinct values, items whose value occurs more than once) among hashes[:n], with an open-addressing
    table in keys/counts (a power-of-two size above 2n, counts all zero; left all zero again). Only the
    first power of two above 2n of it is used, so that a short row's table stays in cache."""
    size = 16
    while size < 2 * n and size < len(keys):
        size *= 2
    mask = size - 1
    distinct = 0
    for i in range(n):
        h = hashes[i]
        slot = (h ^ (h >> np.uint64(29))) & np.uint64(mask)
        while counts[slot] and keys[slot] != h:
            slot = (slot + np.uint64(1)) & np.uint64(mask)
        if counts[slot] == 0:
            keys[slot] = h
            used[distinct] = slot
            distinct += 1
        counts[slot] += 1
    repeated = 0
    for d in range(distinct):
        slot = used[d]
        if counts[slot] > 1:
            repeated += counts[slot]
        counts[slot] = 0
    return distinct, repeated


MIX = np.uint64(0x9E3779B97F4A7C15)
FNV_OFFSET, FNV_PRIME = np.uint64(1469598103934665603), np.uint64(1099511628211)


@njit(cache=True, nogil=True)
def repetition_bounds(cp, bounds, space, line_break, lower, cjk, head_chars, min_lines, min_line_chars,
                      ngram_words, ngram_chars, min_ngrams):  # pragma: no cover - compiled
    """Per row, with hashes for string equality:
    lines (prose lines of at least min_line_chars after strip; 0 when the text has fewer than min_lines - 1
    newlines, which the rule does not split), their duplicate ratio 1 - distinct/lines (when there are at
    least min_lines), grams (word n-grams of text[:head_chars].lower(), or character n-grams of its
    non-space characters when CJK characters are more than half of it), the share of grams that occur more
    than once (when there are at least min_ngrams), and a hazard flag where str.lower cannot be mirrored per
    character."""
    rows = len(bounds) - 1
    lines, line_dup = np.zeros(rows, np.int64), np.zeros(rows, np.float64)
    grams, gram_dup = np.zeros(rows, np.int64), np.zeros(rows, np.float64)
    hazard = np.zeros(rows, np.bool_)
    longest = 0
    for row in range(rows):
        longest = max(longest, bounds[row + 1] - bounds[row])
    most = max(longest, head_chars) + 1
    size = 1
    while size < 2 * most:
        size *= 2
    keys, counts, used = np.zeros(size, np.uint64), np.zeros(size, np.int64), np.zeros(most, np.int64)
    buffer = np.empty(max(head_chars, 1) + 16, np.uint64)
    line_hashes = np.empty(longest + 1, np.uint64)
    chars = np.empty(max(head_chars, 1) + 1, np.uint64)
    words = np.empty(max(head_chars, 1) + 1, np.uint64)
    power = np.uint64(1)  # MIX ** ngram_chars, to roll character n-gram hashes
    for _ in range(ngram_chars):
        power *= MIX
    for row in range(rows):
        start, end = bounds[row], bounds[row + 1]
        newlines = 0
        for k in range(start, end):
            if cp[k] == 10:
                newlines += 1
        n_lines = 0
        if newlines >= min_lines - 1:
            i = start
            while i <= end:
                j = i
                while j < end and not line_break[cp[j]]:
                    j += 1
                a, b = i, j
                while a < b and space[cp[a]]:
                    a += 1
                while b > a and space[cp[b - 1]]:
                    b -= 1
                if b - a >= min_line_chars:
                    h = FNV_OFFSET
                    for k in range(a, b):
                        h = (h ^ np.uint64(cp[k])) * FNV_PRIME
                    line_hashes[n_lines] = h
                    n_lines += 1
                i = j + 1
        lines[row] = n_lines
        if n_lines >= min_lines:
            distinct, _ = _duplicates(line_hashes, n_lines, keys, counts, used)
            line_dup[row] = 1 - distinct / n_lines
        # n-grams over the head
        head_end = min(end, start + head_chars)
        n_cjk, ascii_only = 0, True
        for k in range(start, head_end):
            if cp[k] >= 128:
                ascii_only = False
                n_cjk += cjk[cp[k]]
        n = 0
        if not ascii_only and n_cjk * 2 > head_end - start:
            m = 0
            for k in range(start, head_end):
                if not space[cp[k]]:
                    chars[m] = cp[k]
                    m += 1
            h = np.uint64(0)  # polynomial hash of the window, rolled one character at a time
            for k in range(m):
                h = h * MIX + chars[k] + np.uint64(1)
                if k >= ngram_chars:
                    h -= power * (chars[k - ngram_chars] + np.uint64(1))
                if k >= ngram_chars - 1:
                    buffer[n] = h
                    n += 1
        else:
            m, k = 0, start
            while k < head_end:
                if space[cp[k]]:
                    k += 1
                    continue
                h = FNV_OFFSET
                while k < head_end and not space[cp[k]]:
                    c = lower[cp[k]]
                    if c == -1:
                        hazard[row] = True
                    h = (h ^ np.uint64(c & 0x1FFFFF)) * FNV_PRIME
                    k += 1
                words[m] = h
                m += 1
            for k in range(0, m - ngram_words + 1):
                h = np.uint64(0)
                for q in range(k, k + ngram_words):
                    h = (h ^ words[q]) * MIX + np.uint64(q - k + 1)
                buffer[n] = h
                n += 1
        grams[row] = n
        if n >= min_ngrams:
            _, repeated = _duplicates(buffer, n, keys, counts, used)
            gram_dup[row] = repeated / n
    return lines, line_dup, grams, gram_dup, hazard
