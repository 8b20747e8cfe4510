"""The `split:` section of curation.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from sft_assets.core.settings_base import Strict


class SplitConfig(Strict):
    seed: int = 20240601
    ratios: dict[Literal["train", "val", "test"], float] = {"train": 0.8, "val": 0.1, "test": 0.1}

    @field_validator("ratios")
    @classmethod
    def _ratios(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != {"train", "val", "test"}:
            raise ValueError("needs exactly train, val and test")
        if any(r < 0 for r in value.values()) or abs(sum(value.values()) - 1.0) > 1e-6:
            raise ValueError(f"ratios must be non-negative and sum to 1 (they sum to {sum(value.values()):g})")
        return value
