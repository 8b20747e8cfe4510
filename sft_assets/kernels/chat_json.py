"""Texts of chat conversations, pulled out of a whole chunk's canonical messages JSON in one compiled pass.

For each row: the user turns and the assistant turns (each joined with newlines), every message text
(joined with spaces), the last assistant reply, and whether some message is empty (only whitespace, as
str.strip sees it, and no tool calls), equal to what the per-row Python code builds from the parsed JSON
(a test compares them). A row whose JSON the scanner does not understand is reported in `unreadable`, for
the caller to handle in Python.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numba import njit

from sft_assets.kernels.text import space_table, utf8_buffers

OTHER, USER, ASSISTANT = 0, 1, 2
CONTENT_KEY, ROLE_KEY = np.frombuffer(b'"content"', np.uint8), np.frombuffer(b'"role"', np.uint8)
TOOL_CALLS_KEY = np.frombuffer(b'"tool_calls"', np.uint8)
USER_VALUE, ASSISTANT_VALUE = np.frombuffer(b'"user"', np.uint8), np.frombuffer(b'"assistant"', np.uint8)
COLUMNS = ("user", "assistant", "every", "reply")


def conversation_texts(messages: pa.Array | pa.ChunkedArray) -> tuple[dict[str, pa.Array], np.ndarray, np.ndarray]:
    """({user, assistant, every, reply}: large_string arrays, blank_turn, unreadable) for a column of
    canonical messages JSON."""
    data, offsets, valid = utf8_buffers(messages)
    n = len(valid)
    *parts, blank, unreadable = _scan(data, offsets, valid, space_table())
    columns = {}
    for name, (text, bounds) in zip(COLUMNS, zip(parts[0::2], parts[1::2], strict=True), strict=True):
        columns[name] = pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(bounds), pa.py_buffer(text)])
    return columns, blank, unreadable


@njit(cache=True, nogil=True)
def _string_end(data, i, end):  # pragma: no cover - compiled
    """Index just past the closing quote of the JSON string whose opening quote is at i, or -1."""
    i += 1
    while i < end:
        c = data[i]
        if c == 92:  # backslash
            i += 2
        elif c == 34:  # quote
            return i + 1
        else:
            i += 1
    return -1


@njit(cache=True, nogil=True)
def _skip_value(data, i, end):  # pragma: no cover - compiled
    """Index just past the JSON value starting at i, or -1."""
    if i >= end:
        return -1
    c = data[i]
    if c == 34:
        return _string_end(data, i, end)
    if c == 123 or c == 91:  # { or [
        depth = 0
        while i < end:
            c = data[i]
            if c == 34:
                i = _string_end(data, i, end)
                if i < 0:
                    return -1
                continue
            if c == 123 or c == 91:
                depth += 1
            elif c == 125 or c == 93:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return -1
    while i < end and data[i] != 44 and data[i] != 125 and data[i] != 93:  # number, true, false, null
        i += 1
    return i


@njit(cache=True, nogil=True)
def _is(data, i, end, word):  # pragma: no cover - compiled
    """Whether data[i:end] is exactly the bytes of `word`."""
    if end - i != len(word):
        return False
    for k in range(len(word)):
        if data[i + k] != word[k]:
            return False
    return True


@njit(cache=True, nogil=True)
def _hex(data, i):  # pragma: no cover - compiled
    value = 0
    for k in range(i, i + 4):
        c = data[k]
        if 48 <= c <= 57:
            d = c - 48
        elif 97 <= c <= 102:
            d = c - 87
        elif 65 <= c <= 70:
            d = c - 55
        else:
            return -1
        value = value * 16 + d
    return value


@njit(cache=True, nogil=True)
def _put(out, k, cp):  # pragma: no cover - compiled
    """Write code point cp as UTF-8 at out[k]; return the next index."""
    if cp < 0x80:
        out[k] = cp
        return k + 1
    if cp < 0x800:
        out[k] = 0xC0 | (cp >> 6)
        out[k + 1] = 0x80 | (cp & 0x3F)
        return k + 2
    if cp < 0x10000:
        out[k] = 0xE0 | (cp >> 12)
        out[k + 1] = 0x80 | ((cp >> 6) & 0x3F)
        out[k + 2] = 0x80 | (cp & 0x3F)
        return k + 3
    out[k] = 0xF0 | (cp >> 18)
    out[k + 1] = 0x80 | ((cp >> 12) & 0x3F)
    out[k + 2] = 0x80 | ((cp >> 6) & 0x3F)
    out[k + 3] = 0x80 | (cp & 0x3F)
    return k + 4


@njit(cache=True, nogil=True)
def _unescape(data, i, end, out, k):  # pragma: no cover - compiled
    """Decode the JSON string at data[i] (a quote) into UTF-8 at out[k:]; return (next input, next output),
    or (-1, k) when it is malformed."""
    i += 1
    while i < end:
        c = data[i]
        if c == 34:
            return i + 1, k
        if c != 92:
            out[k] = c
            k += 1
            i += 1
            continue
        if i + 1 >= end:
            return -1, k
        e = data[i + 1]
        i += 2
        if e == 110:
            out[k] = 10
        elif e == 116:
            out[k] = 9
        elif e == 114:
            out[k] = 13
        elif e == 98:
            out[k] = 8
        elif e == 102:
            out[k] = 12
        elif e == 34 or e == 92 or e == 47:
            out[k] = e
        elif e == 117 and i + 4 <= end:
            cp = _hex(data, i)
            i += 4
            if cp < 0:
                return -1, k
            if 0xD800 <= cp < 0xDC00 and i + 6 <= end and data[i] == 92 and data[i + 1] == 117:
                low = _hex(data, i + 2)
                if 0xDC00 <= low < 0xE000:
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
            k = _put(out, k, cp)
            continue
        else:
            return -1, k
        k += 1
    return -1, k


@njit(cache=True, nogil=True)
def _blank(text, start, end, space):  # pragma: no cover - compiled
    """Whether UTF-8 text[start:end] holds only whitespace (str.isspace)."""
    i = start
    while i < end:
        b0 = text[i]
        if b0 < 0x80:
            cp, i = b0, i + 1
        elif b0 < 0xE0:
            cp, i = ((b0 & 0x1F) << 6) | (text[i + 1] & 0x3F), i + 2
        elif b0 < 0xF0:
            cp, i = ((b0 & 0x0F) << 12) | ((text[i + 1] & 0x3F) << 6) | (text[i + 2] & 0x3F), i + 3
        else:
            return False  # no astral character is whitespace
        if not space[cp]:
            return False
    return True


@njit(cache=True, nogil=True)
def _append(out, k, separate, separator, contents, start, stop):  # pragma: no cover - compiled
    """Write the separator (when `separate`) and contents[start:stop] at out[k]; return the next index."""
    if separate:
        out[k] = separator
        k += 1
    out[k:k + stop - start] = contents[start:stop]
    return k + stop - start


@njit(cache=True, nogil=True)
def _scan(data, offsets, valid, space):  # pragma: no cover - compiled
    rows = len(offsets) - 1
    size = (offsets[-1] - offsets[0] if rows else 0) + rows + 16
    contents = np.empty(size, np.uint8)  # unescaped contents of the current row, back to back
    spans = np.empty((max(size // 16, 64), 4), np.int64)  # per message of the row: role, start, end, tool calls
    user, assistant, every, reply = (np.empty(size, np.uint8), np.empty(size, np.uint8), np.empty(size, np.uint8),
                                     np.empty(size, np.uint8))
    user_b, assistant_b, every_b, reply_b = (np.zeros(rows + 1, np.int64), np.zeros(rows + 1, np.int64),
                                             np.zeros(rows + 1, np.int64), np.zeros(rows + 1, np.int64))
    blank, unreadable = np.zeros(rows, np.bool_), np.zeros(rows, np.bool_)
    ku = ka = ke = kr = 0
    for row in range(rows):
        i, end, n, k, ok = offsets[row], offsets[row + 1], 0, 0, True
        seen_user = False
        if not valid[row] or end - i < 2 or data[i] != 91:
            ok = False
        else:
            i += 1
            while ok and i < end and data[i] != 93:
                if data[i] == 44:
                    i += 1
                if i >= end or data[i] != 123:
                    ok = False
                    break
                i += 1
                role, start, stop, calls = OTHER, k, k, False
                while i < end and data[i] != 125:
                    if data[i] == 44:
                        i += 1
                    key_end = _string_end(data, i, end)
                    if key_end < 0 or key_end >= end or data[key_end] != 58:
                        ok = False
                        break
                    value = key_end + 1
                    if _is(data, i, key_end, CONTENT_KEY) and value < end and data[value] == 34:
                        start = k
                        i, k = _unescape(data, value, end, contents, k)
                        stop = k
                    elif _is(data, i, key_end, TOOL_CALLS_KEY) and value + 1 < end and data[value] == 91 \
                            and data[value + 1] == 123:  # a list that starts with an object: truthy
                        calls = True
                        i = _skip_value(data, value, end)
                    elif _is(data, i, key_end, ROLE_KEY) and value < end and data[value] == 34:
                        role_end = _string_end(data, value, end)
                        if _is(data, value, role_end, USER_VALUE):
                            role = USER
                        elif _is(data, value, role_end, ASSISTANT_VALUE):
                            role = ASSISTANT
                        i = role_end
                    else:
                        i = _skip_value(data, value, end)
                    if i < 0:
                        ok = False
                        break
                if not ok or i >= end:
                    ok = False
                    break
                i += 1  # past }
                if n == len(spans):
                    ok = False  # more messages than the scratch space holds: let Python read it
                    break
                spans[n, 0], spans[n, 1], spans[n, 2], spans[n, 3] = role, start, stop, calls
                n += 1
            if ok and (i >= end or i + 1 != end):
                ok = False
        if not ok:
            unreadable[row] = True
            n = 0
        last_assistant = -1
        for m in range(n):
            role, start, stop = spans[m, 0], spans[m, 1], spans[m, 2]
            ke = _append(every, ke, m > 0, 32, contents, start, stop)
            if not spans[m, 3] and _blank(contents, start, stop, space):  # no text and no tool calls
                blank[row] = True
            if role == USER:
                ku = _append(user, ku, seen_user, 10, contents, start, stop)
                seen_user = True
            elif role == ASSISTANT:
                ka = _append(assistant, ka, last_assistant >= 0, 10, contents, start, stop)
                last_assistant = m
        if last_assistant >= 0:
            kr = _append(reply, kr, False, 0, contents, spans[last_assistant, 1], spans[last_assistant, 2])
        user_b[row + 1], assistant_b[row + 1], every_b[row + 1], reply_b[row + 1] = ku, ka, ke, kr
    return (user[:ku], user_b, assistant[:ka], assistant_b, every[:ke], every_b, reply[:kr], reply_b,
            blank, unreadable)
