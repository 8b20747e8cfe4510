"""Every data file under ../shared/data is ingested without aborting, and the invariant holds per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from sft_assets.config import is_data_file
from sft_assets.ingest.ingest_file import FileTask, ingest_file

pytestmark = pytest.mark.realistic


def data_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and is_data_file(p))


def test_every_shared_file_ingests_and_nothing_is_lost(shared_data: Path) -> None:
    files = data_files(shared_data)
    assert len(files) > 1000  # the ShareGPT sample alone is a thousand files
    totals = {"read": 0, "examples": 0}
    for path in files:
        result = ingest_file(FileTask(source="shared", path=path, file=str(path.relative_to(shared_data))))
        assert result.rows_read == result.n_examples + result.n_quarantined, path
        assert result.rows_read > 0, path
        totals["read"] += result.rows_read
        totals["examples"] += result.n_examples
    assert totals["examples"] > 0.9 * 50_000


@pytest.mark.parametrize(
    ("relative", "fmt", "examples", "reasons"),
    [
        ("gsm8k/test.jsonl", "qa", 1319, {}),
        ("lima/lima.json", "alpaca", 1029, {}),
        ("llamafactory-demo/glaive_toolcall_en_demo.json", "sharegpt", 300, {}),
        ("llamafactory-demo/identity.json", "alpaca", 91, {}),
        ("ruozhiba/ruozhiba_raw.jsonl", "dolly", 240, {}),
        ("ruozhiba/train.jsonl", "openai", 168, {}),
        ("xtuner-openai-messages/openai_sft.jsonl", "openai", 128, {}),
        ("humaneval/HumanEval.jsonl.gz", None, 0, {"unknown_format": 164}),
        ("mt-bench/mt_bench/question.jsonl", None, 0, {"unknown_format": 80}),
    ],
)
def test_known_files_get_the_expected_format(shared_data: Path, relative: str, fmt, examples: int, reasons) -> None:
    path = shared_data / relative
    result = ingest_file(FileTask(source="shared", path=path, file=relative))
    assert result.format == fmt
    assert result.n_examples == examples
    assert dict(result.reasons()) == reasons


def test_glaive_tool_calls_are_kept(shared_data: Path) -> None:
    import orjson

    path = shared_data / "llamafactory-demo" / "glaive_toolcall_en_demo.json"
    result = ingest_file(FileTask(source="shared", path=path, file=path.name))
    with_calls = [m for m in result.examples.column("messages").to_pylist() if '"tool_calls"' in m]
    assert len(with_calls) > 100
    assert all(t is None or isinstance(orjson.loads(t), list) for t in result.examples.column("tools").to_pylist())


def _clean_filter(shared_data: Path, relative: str):
    from sft_assets.clean.stage import clean_table
    from sft_assets.config import CurationConfig
    from sft_assets.filter.apply import filter_table

    config = CurationConfig(sources=[{"name": "x", "path": "x"}])
    examples = ingest_file(FileTask(source="shared", path=shared_data / relative, file=relative)).examples
    cleaned = clean_table(examples, config.clean)
    return examples.num_rows, cleaned, filter_table(cleaned.kept, config.filter, config.tokens.encoding)


def _dropped(result) -> int:
    return sum(n for key, n in result.counts.items() if key.startswith("dropped:"))


def test_identity_templates_are_caught(shared_data: Path) -> None:
    n, _, filtered = _clean_filter(shared_data, "llamafactory-demo/identity.json")
    assert n == 91
    assert filtered.counts["dropped:template_placeholder"] >= 80  # "I am {{name}}, an AI assistant developed by {{author}}"


@pytest.mark.parametrize(
    ("relative", "max_drop_rate"),
    [
        ("gsm8k/train.jsonl", 0.01),  # clean math word problems: the rules must leave them alone
        ("llamafactory-demo/alpaca_en_demo.json", 0.02),
        ("llamafactory-demo/alpaca_zh_demo.json", 0.02),
        ("ruozhiba/ruozhiba_raw.jsonl", 0.02),
        ("gpteacher/Roleplay/roleplay-simple-deduped-roleplay-dataset.json", 0.02),
        ("lima/lima.json", 0.05),
        ("oasst-zh/oaast_sft_zh.json", 0.03),
    ],
)
def test_good_datasets_lose_little(shared_data: Path, relative: str, max_drop_rate: float) -> None:
    n, cleaned, filtered = _clean_filter(shared_data, relative)
    assert _dropped(cleaned) + _dropped(filtered) <= max_drop_rate * n


def test_refusals_in_tool_call_data_are_flagged_and_kept(shared_data: Path) -> None:
    n, _, filtered = _clean_filter(shared_data, "llamafactory-demo/glaive_toolcall_en_demo.json")
    refusals = sum(filtered.kept.column("is_refusal").to_pylist())
    assert refusals == filtered.counts["flagged:refusal"] > 5


def test_emails_in_real_data_are_redacted(shared_data: Path) -> None:
    _, cleaned, _ = _clean_filter(shared_data, "llamafactory-demo/glaive_toolcall_en_demo.json")
    assert cleaned.extra["email"] > 5
    import re

    emails = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}\b")
    assert not any(emails.search(m) for m in cleaned.kept.column("messages").to_pylist())


def test_planted_defects_are_caught_and_controls_kept(shared_data) -> None:
    """Ten defect classes planted into real EN/ZH records (sft_assets_tests/benchmarks/planted_defects.py)."""
    from sft_assets_tests.benchmarks.planted_defects import PLANTERS, run

    report = run(600)
    assert sum(report.planted.values()) == 400 and report.controls == 200
    recall = {kind: report.caught[kind] / report.planted[kind] for kind in PLANTERS}
    assert recall.pop("truncated") >= 0.75, report
    assert min(recall.values()) >= 0.95, recall
    assert sum(report.false_drops.values()) == 0, report.false_drops
