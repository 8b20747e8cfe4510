"""The `sources:` and `ingest:` sections of curation.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from sft_assets.core.records import ORIGINS
from sft_assets.core.settings_base import Strict
from sft_assets.ingest.containers import CONTAINERS
from sft_assets.ingest.formats import FORMATS

TABLE_FIELDS = ("user", "assistant", "system", "category")


class SourceConfig(Strict):
    """One named source: a file, a directory (read recursively) or a glob under data_root."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    path: str
    format: Literal["auto", *FORMATS] = "auto"  # type: ignore[valid-type]
    container: Literal[*CONTAINERS] | None = None  # type: ignore[valid-type]
    columns: dict[str, str] | None = None
    csv_delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    origin: Literal[*ORIGINS] = "human"  # type: ignore[valid-type]

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return value
        unknown = sorted(set(value) - set(TABLE_FIELDS))
        if unknown:
            raise ValueError(f"unknown column role(s) {unknown}; allowed: {list(TABLE_FIELDS)}")
        if "user" not in value or "assistant" not in value:
            raise ValueError("a column mapping needs at least 'user' and 'assistant'")
        return value


class IngestSettings(Strict):
    max_record_bytes: int = Field(default=1_000_000, gt=0)
    consecutive_turns: Literal["merge", "reject"] = "merge"
    # store the raw input (examples.messages, quarantine.raw) with secrets (API keys, tokens, private keys,
    # passwords) replaced by placeholders; the example id is still the hash of the conversation as read
    mask_secrets: bool = True
