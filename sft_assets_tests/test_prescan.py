"""The cleaning pre-scan only skips work: outcomes with and without it are identical."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from sft_assets.clean.stage import clean_table
from sft_assets.config import SAMPLE_CONFIG, CurationConfig, load_config
from sft_assets.ingest.sources import ingest_sources
from sft_assets_tests.helpers import TRICKY, random_chats, real_examples, table_of


def assert_same(table: pa.Table, config: CurationConfig) -> None:
    fast, slow = clean_table(table, config.clean), clean_table(table, config.clean, prescan=False)
    assert fast.kept.equals(slow.kept)
    assert sorted(fast.decisions) == sorted(slow.decisions)
    assert fast.extra == slow.extra


def test_sample_outcomes_are_identical() -> None:
    loaded = load_config(SAMPLE_CONFIG)
    assert_same(ingest_sources(loaded.file_tasks()).examples, loaded.config)


# What the cleaning steps react to, mixed with characters whose handling differs between Python and RE2.
CLEAN_TRICKY = [*TRICKY, "<b>", "</p>", "&amp;", "&#39;", "Ã©", "â€™", "\x1b[31m", "\u200b", "\x7f", "\n\nN/A",
                "\n\n<noinput>", "Follow us", "\nclick here", "关注公众号", "\n- https://x.io", " \n", "\n\n\n\n",
                "sk-" + "a" * 24, "bob@example.com", "+1 415 555 2671", "13812345678", "192.168.0.1",
                "api_key = 'A1b2C3d4E5f6G7h8I9j0K'", "4111 1111 1111 1111", "11010519491231002X", "\u2029", "\x85"]


def test_random_awkward_texts_have_identical_outcomes() -> None:
    conversations = random_chats(11, CLEAN_TRICKY, 1500, 25, 0.3)
    loaded = load_config(SAMPLE_CONFIG)
    for config in (CurationConfig(sources=[{"name": "x", "path": "x"}]), loaded.config):
        assert_same(table_of(conversations), config)


def test_one_set_pass_finds_the_step_patterns_each_pattern_finds(monkeypatch) -> None:
    import random

    from sft_assets.clean.prescan import matches_pattern, patterns_found, step_gate_patterns
    from sft_assets.kernels.re2_set import pattern_set
    from sft_assets_tests.helpers import GivesUp

    rng = random.Random(4)
    texts = ["".join(rng.choice(CLEAN_TRICKY) for _ in range(rng.randrange(0, 12))) for _ in range(3000)]
    patterns = tuple(step_gate_patterns(CurationConfig(sources=[{"name": "x", "path": "x"}]).clean).values())
    each = np.stack([matches_pattern(pa.array(texts), p) for p in patterns], axis=1)
    assert (patterns_found(texts, patterns) == each).all()
    assert each.any(axis=1).mean() > 0.5 and (each.sum(axis=1) > 1).any()
    monkeypatch.setattr(pattern_set(patterns), "together", GivesUp())
    assert (patterns_found(texts, patterns) == each).all()


def test_a_prescan_skips_most_clean_rows() -> None:
    from sft_assets.clean.prescan import clean_gates

    loaded = load_config(SAMPLE_CONFIG)
    examples = ingest_sources(loaded.file_tasks()).examples
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
