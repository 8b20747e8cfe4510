"""The `tokens:` section of curation.yaml: the tokenizer, the format gate's limit and the cost estimate."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sft_assets.core.settings_base import Strict


class TokensConfig(Strict):
    encoding: Literal["cl100k_base", "o200k_base"] = "cl100k_base"
    max_tokens: int = Field(default=16385, gt=0)
    epochs: int | None = Field(default=None, gt=0)
    usd_per_million_training_tokens: float = Field(default=8.0, ge=0)
