"""Which of several RE2 patterns occur in a text, found in one pass of an RE2 set.

RE2's set can give up on a text (its DFA has no fallback, and the binding reports that as no match), so an
empty answer for a text that matches some pattern is checked one pattern at a time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

MAX_MEMORY = 64 << 20


class PatternSet:
    def __init__(self, patterns: tuple[str, ...]) -> None:
        import re2

        options = re2.Options()
        options.max_mem = MAX_MEMORY
        self.patterns = patterns
        self.each = tuple(re2.compile(p, options) for p in patterns)
        self.anything = re2.compile(union(patterns), options)
        self.together: Any = re2.Set.SearchSet(options)
        for pattern in patterns:
            self.together.Add(pattern)
        self.together.Compile()

    def found_in(self, text: str, known_hit: bool = False) -> list[int]:
        """Indices of the patterns that occur in the text, ascending. With `known_hit` the caller already
        knows that some pattern occurs (the quick search for any of them is skipped)."""
        if not known_hit and not self.anything.search(text):
            return []
        found = self.together.Match(text)
        return sorted(found) if found else [i for i, p in enumerate(self.each) if p.search(text)]


def union(patterns: tuple[str, ...] | list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


@lru_cache(maxsize=8)
def pattern_set(patterns: tuple[str, ...]) -> PatternSet:
    return PatternSet(patterns)
