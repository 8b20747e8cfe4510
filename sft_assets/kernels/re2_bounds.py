"""Translate a Python regex into an RE2 pattern that matches a SUPERSET (or a SUBSET) of what it matches.

Python's `\\w`, `\\d`, `\\s` and `\\b` are Unicode-aware; RE2's are ASCII-only. A vectorized gate searched with
RE2 (DuckDB, Arrow) must never miss a row the Python pattern would match, so each class is widened (superset)
or narrowed (subset, for gates that rely on a match to skip work) to a class whose relation to Python's is
certain. Constructs RE2 lacks (lookaround, backreferences) raise: a gate is built at import, so an
untranslatable rule pattern fails loudly rather than silently skipping rows.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Whitespace for str.isspace() (so str.split/strip and Python's `\s`) that RE2's `\s` lacks, and the whole
# set written for RE2 (exactly str.isspace; a test checks).
EXTRA_SPACE_CHARS = r"\x{b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
PY_SPACE_CHARS = r"\s" + EXTRA_SPACE_CHARS
LINE_BREAKS = "\n\x0b\x0c\r\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines splits on
LINE_BREAK_CHARS = "".join(f"\\x{{{ord(ch):x}}}" for ch in LINE_BREAKS)  # the same, for an RE2 class
# ASCII characters that are never part of a Python word; everything else may be.
_ASCII_NON_WORD = r"\x{0}-\x{2f}\x{3a}-\x{40}\x{5b}-\x{5e}\x{60}\x{7b}-\x{7f}"


# Non-word characters that case-fold onto word characters (COMBINING GREEK YPOGEGRAMMENI folds to iota).
# Under (?i), RE2 closes a class over case folds, so a negated class listing iota would also leave this one
# out: characters that fold like them are kept out of the sure-word ranges (test: no others exist).
FOLDS_ONTO_WORDS = "\u0345"


def _long_word_runs(min_length: int = 32) -> str:
    """Runs of at least min_length consecutive BMP code points that this Python's `\\w` matches (CJK, Hangul,
    kana, most letters), as RE2 class ranges: characters certainly in Python's `\\w`, listed by code point so
    RE2's own Unicode tables play no part."""
    folds = {ch.casefold() for ch in FOLDS_ONTO_WORDS}
    ranges = []
    for low, high in ((0x80, 0xD800), (0xE000, 0x10000)):  # no surrogates
        chars = "".join("\0" if ch.casefold() in folds else ch for ch in map(chr, range(low, high)))
        for run in re.finditer(rf"\w{{{min_length},}}", chars):
            ranges.append(f"\\x{{{low + run.start():x}}}-\\x{{{low + run.end() - 1:x}}}")
    return "".join(ranges)


@lru_cache(maxsize=1)
def non_ascii_digit() -> str:
    """An RE2 class of every non-ASCII character Python's `\\d` matches (digits of other scripts): a text
    holding one makes an `ascii_digits` superset unsafe and must be checked in Python (built on first use)."""
    ranges = []
    for low, high in ((0x80, 0xD800), (0xE000, 0x110000)):  # no surrogates
        chars = "".join(map(chr, range(low, high)))
        for run in re.finditer(r"\d+", chars):
            ranges.append(f"\\x{{{low + run.start():x}}}-\\x{{{low + run.end() - 1:x}}}")
    return f"[{''.join(ranges)}]"


# Characters certainly in Python's \w: ASCII word characters and long runs of others.
SURE_WORD = "a-zA-Z0-9_" + _long_word_runs()

_SUPERSET = {  # escape -> (outside a class, inside a class)
    "w": (f"[^{_ASCII_NON_WORD}]", r"\x{80}-\x{10ffff}a-zA-Z0-9_"),
    "W": (f"[^{SURE_WORD}]", None),
    "s": (f"[{PY_SPACE_CHARS}]", PY_SPACE_CHARS),
    "d": (r"\p{Nd}", r"\p{Nd}"),
    "S": (r"\S", r"\S"),
    "D": (r"\D", r"\D"),
    "b": ("", None),
    "B": ("", None),
}
_SUBSET = {
    "w": (f"[{SURE_WORD}]", SURE_WORD),
    "s": (f"[{PY_SPACE_CHARS}]", PY_SPACE_CHARS),
    "d": ("[0-9]", "0-9"),
    "S": (f"[^{PY_SPACE_CHARS}]", None),
    "D": (r"[^\p{Nd}]", None),
}
_FLAGS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"))


def superset(pattern: re.Pattern[str], lines: bool = False, ascii_digits: bool = False) -> str:
    """An RE2 pattern matching wherever `pattern` matches (and possibly more). Lookaround assertions are
    dropped (a pattern without an assertion matches at least where it did). With `lines`, the pattern is
    one that is matched against each stripped line of a text (str.splitlines, str.strip): `^` becomes the
    start of any such line and `$` is dropped, so the result is searched in the whole text. With
    `ascii_digits`, `\\d` stands for ASCII digits only (a far smaller automaton), which bounds the pattern
    only in texts without a `non_ascii_digit()`: the caller must send those to Python."""
    source = _without_lookarounds(pattern.pattern)
    if lines:
        source = _anchors_to_lines(_through_first_required_group(source))
    table = {**_SUPERSET, "d": ("[0-9]", "0-9")} if ascii_digits else _SUPERSET
    return _translate(re.compile(source, pattern.flags & ~re.MULTILINE if lines else pattern.flags), table, _SUBSET)


def subset(pattern: re.Pattern[str]) -> str:
    """An RE2 pattern matching only where `pattern` matches (and possibly less)."""
    return _translate(pattern, _SUBSET, _SUPERSET)


LINE_START = "\x00LINE\x00"  # placeholder for a line start while a pattern is translated


def _outside_classes(source: str, rewrite) -> str:
    """`source` with every position outside escapes and character classes passed to rewrite(source, i),
    which returns (replacement, next index), or None to keep the character."""
    out, i = [], 0
    while i < len(source):
        if source[i] == "\\":
            out.append(source[i:i + 2])
            i += 2
        elif source[i] == "[":
            end = _class_end(source, i)
            out.append(source[i:end])
            i = end
        else:
            replaced = rewrite(source, i)
            out.append(replaced[0] if replaced else source[i])
            i = replaced[1] if replaced else i + 1
    return "".join(out)


def _without_lookarounds(source: str) -> str:
    """The pattern with every lookahead and lookbehind group removed."""
    lookaround = ("(?=", "(?!", "(?<=", "(?<!")
    return _outside_classes(source, lambda s, i: ("", _group_end(s, i)) if s.startswith(lookaround, i) else None)


def _top_level_items(source: str):
    """(start, end) of each top-level item of a pattern: an escape, a class, a group or one character."""
    i = 0
    while i < len(source):
        if source[i] == "\\":
            end = i + 2
        elif source[i] == "[":
            end = _class_end(source, i)
        elif source[i] == "(":
            end = _group_end(source, i)
        else:
            end = i + 1
        yield i, end
        i = end


def _through_first_required_group(source: str) -> str:
    """The pattern cut after its first top-level group that every match passes through (a prefix of a
    pattern matches wherever the pattern does: a cheaper necessary condition); whole when it has none or
    has a top-level alternation."""
    items = list(_top_level_items(source))
    if any(source[a:b] == "|" for a, b in items):
        return source
    for a, b in items:
        is_group = source[a] == "(" and (not source.startswith("(?", a) or source.startswith(("(?:", "(?P<"), a))
        optional = source[b:b + 1] in ("?", "*") or source.startswith("{0", b)
        if is_group and not optional:
            return source[:b]
    return source


def _anchors_to_lines(source: str) -> str:
    """`^` outside classes becomes a line-start placeholder, `$` is dropped."""
    anchors = {"^": LINE_START, "$": ""}
    return _outside_classes(source, lambda s, i: (anchors[s[i]], i + 1) if s[i] in anchors else None)


def _class_end(source: str, i: int) -> int:
    """Index just past the character class opening at i."""
    j = i + 1
    if source[j:j + 1] == "^":
        j += 1
    if source[j:j + 1] == "]":
        j += 1
    while source[j] != "]":
        j += 2 if source[j] == "\\" else 1
    return j + 1


def _group_end(source: str, i: int) -> int:
    """Index just past the group opening at i."""
    depth, j = 0, i
    while True:
        ch = source[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[":
            j = _class_end(source, j)
            continue
        depth += ch == "("
        depth -= ch == ")"
        j += 1
        if depth == 0:
            return j


def _translate(pattern: re.Pattern[str], table: dict, opposite: dict) -> str:
    """Inside a negated class the bound flips, so escapes there come from the `opposite` table."""
    source, out, i, in_class, negated = pattern.pattern, [], 0, False, False
    flags = "".join(letter for flag, letter in _FLAGS if pattern.flags & flag)
    if "(?<" in source or "(?=" in source or "(?!" in source or re.search(r"\\[1-9]", source):
        raise ValueError(f"no RE2 equivalent for lookaround or backreference in {source!r}")
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            code = source[i + 1]
            if code in "uU":
                width = 4 if code == "u" else 8
                out.append(f"\\x{{{source[i + 2:i + 2 + width]}}}")
                i += 2 + width
                continue
            if code in "wWsSdDbB":
                replacement = (opposite if negated else table).get(code, (None, None))[1 if in_class else 0]
                if replacement is None:
                    raise ValueError(f"\\{code} {'inside a class ' if in_class else ''}has no safe RE2 form in {source!r}")
                out.append(replacement)
            else:
                out.append(source[i:i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class, negated = True, source[i + 1:i + 2] == "^"
            out.append("[^" if negated else "[")
            i += 1 if negated else 0
            if source[i + 1:i + 2] == "]":  # a literal ] first in a class
                out.append("\\]")
                i += 1
        elif ch == "$" and not in_class and table is _SUPERSET and not pattern.flags & re.MULTILINE:
            out.append(r"\n?$")  # Python's $ also matches before a final newline
        elif ch == "]" and in_class:
            in_class = negated = False
            out.append(ch)
        else:
            out.append(ch)
        i += 1
    line_start = f"(?:^|[{LINE_BREAK_CHARS}])[{PY_SPACE_CHARS}]*"  # a stripped line starts after any of these
    return (f"(?{flags})" if flags else "") + "".join(out).replace(LINE_START, line_start)
