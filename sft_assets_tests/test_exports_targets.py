"""Trainer-ready exports: LLaMA-Factory's ShareGPT rules for tool calls, XTuner's loss flags, target
validators, dataset_info.json and the dataset card, read back from a real run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from sft_assets.export.formats import to_sharegpt, to_xtuner
from sft_assets.quality.targets import sharegpt_problems, xtuner_problems

CALL = {"type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}
TOOLS = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]
PARALLEL = [
    {"role": "user", "content": "Weather in Paris and Rome?"},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "a", **CALL},
                                                         {"id": "b", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Rome\"}"}}]},
    {"role": "tool", "tool_call_id": "a", "content": "{\"temp\": 18}"},
    {"role": "tool", "tool_call_id": "b", "content": "{\"temp\": 24}"},
    {"role": "assistant", "content": "Paris 18, Rome 24."},
]


def test_sharegpt_follows_llamafactory_for_tool_calls() -> None:
    record = to_sharegpt(PARALLEL, TOOLS)
    assert [t["from"] for t in record["conversations"]] == ["human", "function_call", "observation", "gpt"]
    assert orjson.loads(record["conversations"][1]["value"]) == [{"name": "weather", "arguments": {"city": "Paris"}},
                                                                 {"name": "weather", "arguments": {"city": "Rome"}}]
    assert orjson.loads(record["conversations"][2]["value"]) == [{"temp": 18}, {"temp": 24}]
    assert isinstance(record["tools"], str) and orjson.loads(record["tools"]) == TOOLS
    assert sharegpt_problems(record) == []


def test_sharegpt_refuses_what_it_cannot_hold_instead_of_losing_it() -> None:
    spoken = [PARALLEL[0], {**PARALLEL[1], "content": "Let me check."}, *PARALLEL[2:]]
    assert to_sharegpt(spoken, TOOLS) is None  # text beside tool calls
    late_system = [*PARALLEL[:1], {"role": "system", "content": "x"}, *PARALLEL[1:]]
    assert to_sharegpt(late_system, TOOLS) is None


def test_the_sharegpt_validator_names_the_three_llamafactory_traps() -> None:
    bad = {"conversations": [{"from": "human", "value": "q"}, {"from": "function_call", "value": "{}"},
                             {"from": "gpt", "value": "a"}], "tools": TOOLS}
    assert set(sharegpt_problems(bad)) == {"turn_2_function_call_without_name_and_arguments",
                                           "turn_3_gpt_on_an_odd_position", "ends_on_a_prompt_turn",
                                           "tools_not_a_json_string_of_a_list"}


def test_xtuner_marks_loss_on_assistant_turns_and_keeps_arguments_as_strings() -> None:
    calls = [{"role": "user", "content": "Paris?"},
             {"role": "assistant", "content": "", "tool_calls": [{"id": "a", "type": "function",
                                                                  "function": {"name": "weather", "arguments": {"city": "Paris"}}}]},
             {"role": "tool", "tool_call_id": "a", "content": "18"}, {"role": "assistant", "content": "18 degrees."}]
    record = to_xtuner(calls, None)
    assert [m["loss"] for m in record["messages"]] == [False, True, False, True]
    assert record["messages"][1]["tool_calls"][0]["function"]["arguments"] == "{\"city\":\"Paris\"}"
    assert xtuner_problems(record) == []
    assert xtuner_problems({"messages": [{"role": "user", "content": "x", "loss": "yes", "weight": 1}]}) == [
        "message_1_extra_keys_weight", "message_1_loss_not_a_bool"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("export_home")
    proc = subprocess.run([sys.executable, "-m", "sft_assets.cli", "run", "--home", str(home)], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return home / "exports"


@pytest.mark.parametrize("target", ["openai", "sharegpt", "alpaca", "xtuner"])
def test_every_exported_file_passes_its_trainer_validator(exported: Path, target: str) -> None:
    files = [str(exported / target / f"{split}.jsonl") for split in ("train", "val", "test")]
    proc = subprocess.run([sys.executable, "-m", "sft_assets.cli", "validate", "--target", target, "--json", *files],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout
    results = json.loads(proc.stdout)
    assert [r["problems"] for r in results] == [{}, {}, {}] and sum(r["records"] for r in results) > 0


def test_the_openai_files_pass_the_format_validator(exported: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sft_assets.cli", "validate", "--json", str(exported / "openai" / "train.jsonl")],
                          capture_output=True, text=True, timeout=120)
    report = json.loads(proc.stdout)[0]
    assert proc.returncode == 0 and report["reasons"] == {} and not any(report["cookbook"].values())


def test_dataset_info_points_at_the_written_files_and_their_columns(exported: Path) -> None:
    info = json.loads((exported / "dataset_info.json").read_text())
    assert set(info) == {f"sft_assets_{f}_{s}" for f in ("openai", "sharegpt", "alpaca") for s in ("train", "val", "test")}
    for entry in info.values():
        first = json.loads((exported / entry["file_name"]).read_text().splitlines()[0])
        columns = {k: v for k, v in entry["columns"].items() if k not in ("system", "tools", "history")}
        assert all(column in first for column in columns.values()), (entry, list(first))
        assert entry["formatting"] in ("alpaca", "sharegpt", "openai")


def test_the_dataset_card_and_parquet_files_are_written(exported: Path) -> None:
    import pyarrow.parquet as pq

    card = (exported / "README.md").read_text()
    for heading in ("## Funnel", "## Splits and tokens", "## Composition: task_type", "Estimated fine-tuning cost",
                    "## Use with LLaMA-Factory", "## Use with Axolotl (chat_template)", "## Use with TRL"):
        assert heading in card
    for png in ("lengths.png", "task_type.png", "language.png", "origin.png"):
        assert f"(plots/{png})" in card and (exported / "plots" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    train = pq.read_table(exported / "parquet" / "train.parquet")
    assert {"example_id", "messages", "task_type", "language", "judge_overall"} <= set(train.column_names)
    assert train.num_rows == len((exported / "openai" / "train.jsonl").read_text().splitlines())
