"""Token counts for chat examples, offline (bpe-openai embeds the cl100k/o200k vocabularies).

Counting follows the OpenAI chat convention: every message costs its content tokens plus 3 tokens of
framing (plus 1 when it carries a name), and every conversation 3 more for priming the reply.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3


@lru_cache(maxsize=4)
def encoding(name: str) -> Any:
    import bpe_openai

    return bpe_openai.get_encoding(name)


def _text_of(message: dict[str, Any]) -> str:
    text = message.get("content") or ""
    if message.get("tool_calls"):
        text += orjson.dumps(message["tool_calls"]).decode()
    return text


def count_message_tokens(messages: list[dict[str, Any]], encoding_name: str = "cl100k_base") -> tuple[int, int]:
    """(tokens of the whole conversation, tokens of its assistant messages' content)."""
    enc = encoding(encoding_name)
    total, assistant = REPLY_PRIMING, 0
    for message in messages:
        n = len(enc.encode_ordinary(_text_of(message)))
        total += TOKENS_PER_MESSAGE + n + len(enc.encode_ordinary(message["role"]))
        if message.get("name"):
            total += TOKENS_PER_NAME + len(enc.encode_ordinary(str(message["name"])))
        if message["role"] == "assistant":
            assistant += n
    return total, assistant
