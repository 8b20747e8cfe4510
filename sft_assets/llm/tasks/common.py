"""What every task shares: delimiting the example inside the prompt, and parsing a JSON answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from sft_assets.llm.request import LlmRequest

DELIMITER = "<<<EXAMPLE {example_id}>>>"
END = "<<<END EXAMPLE {example_id}>>>"


def delimited(example_id: str, messages: list[dict[str, Any]]) -> str:
    """The conversation as JSON between markers that carry the example id: text inside cannot close the
    block early, because it cannot know the marker."""
    body = orjson.dumps([{"role": m["role"], "content": m.get("content") or ""} for m in messages]).decode()
    return f"{DELIMITER.format(example_id=example_id)}\n{body}\n{END.format(example_id=example_id)}"


def parse_json_object(content: str) -> tuple[dict[str, Any] | None, str | None]:
    """(object, None) or (None, what is wrong)."""
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return None, f"not JSON: {str(exc)[:80]}"
    if not isinstance(value, dict):
        return None, "not a JSON object"
    return value, None


def unusable(finish_reason: str) -> str | None:
    """The quarantine reason a finish reason gives, if any."""
    return {"length": "length_stop", "content_filter": "refused_by_model", "refusal": "refused_by_model"}.get(finish_reason)


@dataclass(frozen=True)
class Task:
    """One LLM task: its versioned prompt, answer schema and parser (parsing runs after the cache)."""

    name: str
    template_version: str
    system: str
    schema: dict[str, Any]
    max_tokens: int
    parse: Callable[[str], tuple[Any, str | None]]  # (value, None) or (None, what is wrong)

    def request(self, model: str, example_id: str, messages: list[dict]) -> LlmRequest:
        return LlmRequest(self.name, example_id, self.template_version, model,
                          (("system", self.system), ("user", delimited(example_id, messages))), self.schema,
                          max_tokens=self.max_tokens)

    def validate(self, content: str) -> str | None:
        return self.parse(content)[1]
