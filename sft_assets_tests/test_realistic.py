"""Every data file under ../shared/data is ingested without aborting, and the invariant holds per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from sft_assets.config import _is_data_file
from sft_assets.ingest.ingest_file import FileTask, ingest_file

pytestmark = pytest.mark.realistic


def data_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and _is_data_file(p))


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
