from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from sft_assets.export.formats import to_alpaca, to_sharegpt
from sft_assets.export.write import render_jsonl, write_atomic, write_manifest
from sft_assets.split.assign import assign_splits, split_for
from sft_assets.split.tables import updated_assignments

RATIOS = {"train": 0.8, "val": 0.1, "test": 0.1}


def test_split_is_a_pure_function_of_seed_and_key() -> None:
    assert split_for(1, "abc", RATIOS) == split_for(1, "abc", RATIOS)
    ids = [f"id{i}" for i in range(5000)]
    splits, _ = assign_splits(ids, ids, {}, RATIOS, seed=1)
    shares = {s: splits.count(s) / len(ids) for s in RATIOS}
    assert shares["train"] == pytest.approx(0.8, abs=0.02)
    assert shares["val"] == pytest.approx(0.1, abs=0.02)
    other, _ = assign_splits(ids, ids, {}, RATIOS, seed=2)
    assert other != splits


def test_existing_examples_never_move_when_data_or_ratios_change() -> None:
    ids = [f"id{i}" for i in range(1000)]
    first, fresh = updated_assignments(ids, {}, RATIOS, seed=3)
    assert fresh == 1000
    existing = dict(zip(first.column("example_id").to_pylist(), first.column("split").to_pylist(), strict=True))
    more = ids + [f"new{i}" for i in range(500)]
    second, fresh = updated_assignments(more, existing, {"train": 0.5, "val": 0.25, "test": 0.25}, seed=3)
    assert fresh == 500
    after = dict(zip(second.column("example_id").to_pylist(), second.column("split").to_pylist(), strict=True))
    assert all(after[i] == existing[i] for i in ids)


def test_zero_ratio_split_gets_nothing() -> None:
    ids = [f"id{i}" for i in range(500)]
    splits, _ = assign_splits(ids, ids, {}, {"train": 0.9, "val": 0.0, "test": 0.1}, seed=5)
    assert "val" not in splits


def test_write_atomic_and_manifest(tmp_path: Path) -> None:
    sha = write_atomic(tmp_path / "openai" / "train.jsonl", b"abc\n")
    assert sha == hashlib.sha256(b"abc\n").hexdigest()
    assert [p.name for p in (tmp_path / "openai").iterdir()] == ["train.jsonl"]  # no temp file left
    manifest = write_manifest(tmp_path, [{"path": "openai/train.jsonl", "records": 1, "sha256": sha}], {"x": 1})
    assert orjson.loads(manifest.read_bytes()) == {"x": 1, "files": [{"path": "openai/train.jsonl", "records": 1,
                                                                       "sha256": sha}]}


def test_renderers() -> None:
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "q1"},
                {"role": "assistant", "content": "a1"}, {"role": "user", "content": "q2"},
                {"role": "assistant", "content": "a2"}]
    assert to_alpaca(messages, None) == {"instruction": "q2", "input": "", "output": "a2", "system": "s",
                                         "history": [["q1", "a1"]]}
    assert to_sharegpt(messages, None) == {"system": "s", "conversations": [
        {"from": "human", "value": "q1"}, {"from": "gpt", "value": "a1"},
        {"from": "human", "value": "q2"}, {"from": "gpt", "value": "a2"}]}
    tool_chat = [{"role": "user", "content": "q"},
                 {"role": "assistant", "content": None, "tool_calls": [
                     {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"x":1}'}}]},
                 {"role": "tool", "content": "r", "tool_call_id": "c"}, {"role": "assistant", "content": "done"}]
    assert to_alpaca(tool_chat, None) is None
    assert to_sharegpt(tool_chat, None)["conversations"][1] == {"from": "function_call",
                                                                "value": '{"name":"f","arguments":{"x":1}}'}
    data, written, skipped = render_jsonl("alpaca", [(orjson.dumps(tool_chat).decode(), None),
                                                     (orjson.dumps(messages).decode(), None)])
    assert (written, skipped) == (1, 1)
    assert data.count(b"\n") == 1
