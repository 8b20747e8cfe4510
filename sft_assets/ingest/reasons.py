"""Quarantine reason codes: why an input row could not become an example.

The codes are part of the data contract (the `quarantine.reason` column); keep them stable.
"""

from __future__ import annotations

REASONS: dict[str, str] = {
    "invalid_json": "the row is not valid JSON",
    "invalid_utf8": "the row's bytes are not valid UTF-8",
    "nul_byte": "the row contains NUL bytes",
    "oversized_record": "the row is larger than ingest.max_record_bytes",
    "malformed_row": "a CSV/TSV row whose field count does not match the header",
    "truncated_file": "the file ends in the middle of its compressed stream or JSON document",
    "binary_file": "the file is binary data (an image, an archive, random bytes), not a text dataset",
    "unreadable_file": "the file could not be read at all; the detail names the cause",
    "not_an_object": "the record is not a JSON object (or a list of messages)",
    "unknown_format": "the record matches none of the known SFT formats",
    "invalid_record": "the record's fields have types the format does not allow",
    "missing_messages": "the record has no messages/conversations list, or it is empty",
    "invalid_message": "a message is not an object",
    "missing_role": "a message has no role",
    "unknown_role": "a message has a role outside system/user/assistant/tool and their aliases",
    "missing_content": "a message has no content (and no tool calls)",
    "non_string_content": "a message's content is not text",
    "unsupported_content": "a message carries non-text content parts (images, audio)",
    "invalid_tool_call": "a tool call that cannot be parsed",
    "empty_turn": "a message's content is empty or whitespace only",
    "no_user_turn": "the conversation has no user message",
    "no_assistant_turn": "the conversation has no assistant message",
    "roles_not_alternating": "turns do not alternate user/assistant (or a system message is not first)",
}


class RecordError(Exception):
    """A record that cannot become an example; `code` is a key of REASONS, `detail` says where and why."""

    def __init__(self, code: str, detail: str = "") -> None:
        assert code in REASONS, code
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail or REASONS[code]
