"""The cleaning pre-scan only skips work: outcomes with and without it are identical."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from sft_assets.clean.stage import clean_table
from sft_assets.config import SAMPLE_CONFIG, CurationConfig, load_config
from sft_assets.ingest.sources import ingest_sources
from sft_assets_tests.conftest import real_examples


def assert_same(table: pa.Table, config: CurationConfig) -> None:
    fast, slow = clean_table(table, config.clean), clean_table(table, config.clean, prescan=False)
    assert fast.kept.equals(slow.kept)
    assert sorted(fast.events) == sorted(slow.events)
    assert fast.extra == slow.extra


def test_sample_outcomes_are_identical() -> None:
    loaded = load_config(SAMPLE_CONFIG)
    assert_same(ingest_sources(loaded).examples, loaded.config)


def test_a_prescan_skips_most_clean_rows() -> None:
    from sft_assets.prescan import clean_gates

    loaded = load_config(SAMPLE_CONFIG)
    examples = ingest_sources(loaded).examples
    gates = clean_gates(examples, loaded.config.clean)
    assert 0 < gates.sum() < examples.num_rows


REAL_FILES = (
    "llamafactory-demo/alpaca_en_demo.json", "llamafactory-demo/alpaca_zh_demo.json", "lima/lima.json",
    "oasst-zh/oaast_sft_zh.json", "llamafactory-demo/glaive_toolcall_en_demo.json",
    "llamafactory-demo/glaive_toolcall_zh_demo.json", "llamafactory-demo/identity.json", "alpaca-eval/outputs.json",
    "gpteacher/Toolformer/toolformer-similarity-0.6-dataset.json", "ruozhiba/ruozhiba_raw.jsonl",
    "xtuner-openai-messages/mllm_sft_text_example_data.jsonl",
)


@pytest.mark.realistic
@pytest.mark.parametrize("relative", (*REAL_FILES, "sharegpt-sample"))
def test_real_data_outcomes_are_identical(shared_data: Path, relative: str) -> None:
    table = real_examples(shared_data, relative)
    assert table.num_rows > 90
    assert_same(table, CurationConfig(sources=[{"name": "x", "path": "x"}]))
