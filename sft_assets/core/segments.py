"""Split a message into prose and code so that text transforms never touch code."""

from __future__ import annotations

import re
from collections.abc import Callable

# A fence opens or closes a block only when the line does not also close it (```inline``` is not a fence).
FENCE_LINE = re.compile(r"^[ \t]*(```|~~~)(?!.*\1)")
FENCE_LINES = re.compile(FENCE_LINE.pattern, re.MULTILINE)  # the same, found in a whole text at once
# Line breaks other than \n that str.splitlines honours (and re's ^ in MULTILINE mode does not).
OTHER_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
ASCII_OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e"


def _other_line_breaks(text: str) -> bool:
    if text.isascii():  # substring tests are many times faster than a regex scan
        return any(ch in text for ch in ASCII_OTHER_LINE_BREAKS)
    return OTHER_LINE_BREAKS.search(text) is not None
INLINE_CODE = re.compile(r"`[^`\n]+`")


def segments(text: str) -> list[tuple[bool, str]]:
    """(is_code, text) pieces in order; a fenced block (fences included) is one code piece.
    An unclosed fence runs to the end of the text."""
    if "```" not in text and "~~~" not in text:
        return [(False, text)]
    if _other_line_breaks(text):
        return segments_line_by_line(text)
    out: list[tuple[bool, str]] = []
    start, in_code = 0, False  # start of the current piece
    for fence in FENCE_LINES.finditer(text):  # lines are split on \n only here, so ^ finds every line start
        if not in_code:
            if fence.start() > start:
                out.append((False, text[start:fence.start()]))
            start, in_code = fence.start(), True
        else:
            end = text.find("\n", fence.start())
            end = len(text) if end < 0 else end + 1
            out.append((True, text[start:end]))
            start, in_code = end, False
    if start < len(text):
        out.append((in_code, text[start:]))
    return out


def fence_lines(text: str) -> int:
    """Lines of the text (str.splitlines) that open or close a fenced block."""
    if "```" not in text and "~~~" not in text:
        return 0
    if _other_line_breaks(text):
        return sum(1 for line in text.splitlines() if FENCE_LINE.match(line))
    return sum(1 for _ in FENCE_LINES.finditer(text))


def segments_line_by_line(text: str) -> list[tuple[bool, str]]:
    out: list[tuple[bool, str]] = []
    buffer: list[str] = []
    in_code = False
    for line in text.splitlines(keepends=True):
        if FENCE_LINE.match(line):
            if not in_code:
                if buffer:
                    out.append((False, "".join(buffer)))
                buffer, in_code = [line], True
            else:
                buffer.append(line)
                out.append((True, "".join(buffer)))
                buffer, in_code = [], False
            continue
        buffer.append(line)
    if buffer:
        out.append((in_code, "".join(buffer)))
    return out


def map_prose(text: str, fn: Callable[[str], str], protect_inline_code: bool = False) -> str:
    """Apply `fn` to the prose pieces only (optionally keeping `inline code` spans untouched too)."""
    pieces = []
    for is_code, piece in segments(text):
        if is_code:
            pieces.append(piece)
        elif protect_inline_code and "`" in piece:
            pieces.append(_map_outside_inline_code(piece, fn))
        else:
            pieces.append(fn(piece))
    return "".join(pieces)


def prose_only(text: str) -> str:
    """The text with fenced code blocks removed (for measuring prose)."""
    return "".join(piece for is_code, piece in segments(text) if not is_code)


def _map_outside_inline_code(text: str, fn: Callable[[str], str]) -> str:
    out, last = [], 0
    for match in INLINE_CODE.finditer(text):
        out.append(fn(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(fn(text[last:]))
    return "".join(out)
