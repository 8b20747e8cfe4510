"""The canonical record: an OpenAI-chat-style conversation and its content-hash id.

Every source format is converted into `Conversation` (a list of messages plus optional tool
definitions). The `example_id` is a hash of the canonical JSON of the conversation, so the same
conversation gets the same id in every run and from every source.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import orjson

ROLES = ("system", "user", "assistant", "tool")
# Keys a canonical message may carry besides role and content; anything else is dropped into meta.
MESSAGE_EXTRA_KEYS = ("name", "tool_calls", "tool_call_id", "weight")
ORIGINS = ("human", "synthetic", "augmented")


def canonical_json_bytes(value: Any) -> bytes:
    """Compact JSON with sorted keys and raw UTF-8: the one serialization used for hashing and storage."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def canonical_json(value: Any) -> str:
    return canonical_json_bytes(value).decode("utf-8")


def content_hash(value: Any, length: int = 16) -> str:
    return hashlib.sha256(canonical_json_bytes(value)).hexdigest()[:length]


@dataclass(slots=True)
class Conversation:
    """One SFT example in canonical form, before provenance is attached."""

    messages: list[dict[str, Any]]
    tools: list[Any] | None = None
    category: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"messages": self.messages}
        if self.tools:
            body["tools"] = self.tools
        return body

    @property
    def example_id(self) -> str:
        return example_id_for(self.messages, self.tools)


def example_id_for(messages: list[dict[str, Any]], tools: list[Any] | None = None) -> str:
    return example_id_from_json(canonical_json_bytes(messages), canonical_json_bytes(tools) if tools else None)


def example_id_from_json(messages_json: bytes, tools_json: bytes | None) -> str:
    """The id from already-serialized canonical parts (the same bytes as hashing the whole body)."""
    digest = hashlib.sha256(b'{"messages":')
    digest.update(messages_json)
    if tools_json:
        digest.update(b',"tools":')
        digest.update(tools_json)
    digest.update(b"}")
    return digest.hexdigest()[:16]


_ASCII_WHITESPACE = b" \t\n\r\x0b\x0c"


def _folded(text: str) -> bytes:
    """Text with Unicode width/compatibility forms, case and all whitespace folded away."""
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)  # also maps ideographic and other spaces to " "
    return text.casefold().encode("utf-8").translate(None, _ASCII_WHITESPACE)


def normalized_content_hash(messages: list[dict[str, Any]], tools: list[Any] | None = None) -> str:
    """Hash of the conversation with case, Unicode width and whitespace differences folded away.

    Two conversations with the same normalized hash are exact duplicates for dedup purposes.
    """
    digest = hashlib.sha256()
    for message in messages:
        digest.update(message["role"].encode() + b"\x1f")
        digest.update(_folded(message.get("content") or ""))
        if message.get("tool_calls"):
            digest.update(b"\x1f" + canonical_json_bytes(message["tool_calls"]))
        digest.update(b"\x1e")
    if tools:
        digest.update(canonical_json_bytes(tools))
    return digest.hexdigest()[:16]
