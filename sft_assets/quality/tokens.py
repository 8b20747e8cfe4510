"""Token counts for chat examples, offline (bpe-openai's Rust core embeds the cl100k/o200k vocabularies).

Counting follows the OpenAI chat convention: every message costs its content tokens plus 3 tokens of
framing (plus 1 when it carries a name), and every conversation 3 more for priming the reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import orjson

from sft_assets.adapters.bpe_openai import counter

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3


@lru_cache(maxsize=4)
def token_counter(name: str) -> Callable[[str], int]:
    """Tokens in a text (special-token strings counted as ordinary text, like `encode_ordinary`)."""
    return counter(name)


# A line break followed by a letter or digit always ends a piece of the cl100k/o200k pre-tokenizers: no
# alternative of their split patterns matches a line break and then a letter or digit, and the only lookaround,
# `\s+(?!\S)`, looks one character ahead. Tokens of the text are then the tokens before plus the tokens after.
PIECE_BREAK = re.compile(r"[\r\n](?=[A-Za-z0-9\u4e00-\u9fff])")


class TokenBound:
    """An upper bound on one text's tokens that encodes the text only as far as a question needs.

    Every token is at least one UTF-8 byte, so the bytes not yet encoded bound their tokens; `tighten`
    encodes the next stretch, up to a piece break, and `exact` the rest.
    """

    __slots__ = ("_text", "_count", "_done_chars", "_done_tokens", "rest_bytes")

    def __init__(self, text: str, count: Callable[[str], int]) -> None:
        self._text, self._count = text, count
        self._done_chars = self._done_tokens = 0
        self.rest_bytes = utf8_length(text)

    @property
    def upper(self) -> int:
        return self._done_tokens + self.rest_bytes

    def tighten(self, need: int) -> None:
        """Encode about enough of the rest to lower the bound by `need`: a stretch of about 4/3 `need` bytes
        (English and Chinese text both save three bytes in four or more), in characters of the rest."""
        text, start = self._text, self._done_chars
        end = start + 1 + (need * 4 // 3 + 64) * (len(text) - start) // max(self.rest_bytes, 1)
        found = PIECE_BREAK.search(text, end) if end < len(text) else None
        end = found.start() + 1 if found else len(text)
        piece = text[start:end]
        self._done_tokens += self._count(piece)
        self.rest_bytes -= utf8_length(piece)
        self._done_chars = end

    def exact(self) -> int:
        if self.rest_bytes:
            self._done_tokens += self._count(self._text[self._done_chars:])
            self._done_chars, self.rest_bytes = len(self._text), 0
        return self._done_tokens


def utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _text_of(message: dict[str, Any]) -> str:
    text = message.get("content") or ""
    if message.get("tool_calls"):
        text += orjson.dumps(message["tool_calls"]).decode()
    return text


def count_message_tokens(messages: list[dict[str, Any]], encoding_name: str = "cl100k_base") -> tuple[int, int]:
    """(tokens of the whole conversation, tokens of its assistant messages' content)."""
    count = token_counter(encoding_name)
    total, assistant = REPLY_PRIMING, 0
    for message in messages:
        n = count(_text_of(message))
        total += TOKENS_PER_MESSAGE + n + count(message["role"])
        if message.get("name"):
            total += TOKENS_PER_NAME + count(str(message["name"]))
        if message["role"] == "assistant":
            assistant += n
    return total, assistant
