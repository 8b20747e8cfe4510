"""Text normalization and language-aware shingling for MinHash.

Chinese/Japanese/Korean text has no spaces, so it is shingled by characters (word n-grams would give a
Jaccard of zero between near-copies); other text by words. Traditional Chinese is folded to Simplified
first, so the two variants of a text shingle alike.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# punctuation and symbols (any script) become spaces: "Hello, world!" and "hello world" shingle alike
NON_WORD = re.compile(r"[^\w\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Casefolded NFKC text with punctuation removed, Traditional Chinese folded to Simplified."""
    if not text.isascii():
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


def conversation_text(messages: list[dict[str, Any]], which: str) -> str:
    """The turns that are hashed: user turns, assistant turns, or the whole conversation."""
    roles = {"user": ("user",), "assistant": ("assistant",)}.get(which, ("system", "user", "assistant"))
    return "\n".join(m.get("content") or "" for m in messages if m["role"] in roles)
