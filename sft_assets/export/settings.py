"""The `exports:` section of curation.yaml."""

from __future__ import annotations

from typing import Literal

from sft_assets.core.settings_base import Strict


class ExportsConfig(Strict):
    # openai (also what Axolotl chat_template and TRL read), sharegpt and alpaca (LLaMA-Factory; a
    # dataset_info.json is written beside them), xtuner, parquet (one table per split with the labels)
    formats: list[Literal["openai", "sharegpt", "alpaca", "xtuner", "parquet"]] = ["openai"]
