"""A canonical LLM request and its cache key.

The key hashes what determines the answer: model, messages, response format, sampling parameters and the
prompt template's version. It never includes the API key or the host, so a ledger moves between servers
and machines, and parsing runs after the cache, so a parser change never pays again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(frozen=True)
class LlmRequest:
    task: str  # "judge", "labels", ...
    example_id: str
    template_version: str
    model: str
    messages: tuple[tuple[str, str], ...]  # (role, content)
    schema: dict[str, Any] = field(default_factory=dict, compare=False)
    temperature: float = 0.0
    max_tokens: int = 400

    def body(self) -> dict[str, Any]:
        """The chat.completions parameters."""
        return {
            "model": self.model,
            "messages": [{"role": r, "content": c} for r, c in self.messages],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "response_format": {"type": "json_schema",
                                "json_schema": {"name": f"{self.task}_result", "schema": self.schema, "strict": True}},
        }

    @property
    def key(self) -> str:
        canonical = orjson.dumps({**self.body(), "template_version": self.template_version}, option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(canonical).hexdigest()

    def estimated_input_tokens(self) -> int:
        """A conservative estimate (4 characters per token, 1 for CJK) for rate limits and budgets."""
        text = "".join(c for _, c in self.messages)
        ascii_chars = sum(1 for ch in text if ch.isascii())
        return ascii_chars // 4 + (len(text) - ascii_chars) + 8 * len(self.messages)
