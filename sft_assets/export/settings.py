"""The `exports:` section of curation.yaml."""

from __future__ import annotations

from typing import Literal

from sft_assets.core.settings_base import Strict


class ExportsConfig(Strict):
    formats: list[Literal["openai", "sharegpt", "alpaca"]] = ["openai"]
