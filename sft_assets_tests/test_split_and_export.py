from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from sft_assets.export.formats import to_alpaca, to_sharegpt
from sft_assets.export.write import ExportSet, render_jsonl
from sft_assets.split.assign import Member, assign_splits
from sft_assets.split.leaks import find_leaks
from sft_assets.split.tables import updated_assignments

RATIOS = {"train": 0.8, "val": 0.1, "test": 0.1}


def members(n: int, prefix: str = "id", stratum: str = "") -> list[Member]:
    return [Member(f"{prefix}{i}", f"{prefix}{i}", stratum) for i in range(n)]


def test_split_is_deterministic_and_follows_ratios() -> None:
    first, fresh = assign_splits(members(5000), {}, RATIOS, seed=1)
    again, _ = assign_splits(list(reversed(members(5000))), {}, RATIOS, seed=1)
    assert first == again and fresh == 5000
    shares = {s: list(first.values()).count(s) / 5000 for s in RATIOS}
    assert shares == pytest.approx(RATIOS, abs=0.001)  # filled to the target share, not just in expectation
    other, _ = assign_splits(members(5000), {}, RATIOS, seed=2)
    assert other != first


def test_stratified_by_category() -> None:
    data = members(40, "a", "math") + members(400, "b", "chat") + members(10, "c", "code")
    result, _ = assign_splits(data, {}, RATIOS, seed=3)
    for prefix, n in (("a", 40), ("b", 400), ("c", 10)):
        splits = [result[f"{prefix}{i}"] for i in range(n)]
        assert splits.count("train") == pytest.approx(0.8 * n, abs=1)
        assert splits.count("val") >= 1 and splits.count("test") >= 1


def test_groups_share_a_split_and_new_members_inherit_it() -> None:
    curated = [{"example_id": f"e{i}", "category": None, "parent_id": None} for i in range(300)]
    curated += [{"example_id": f"aug{i}", "category": None, "parent_id": "e7"} for i in range(5)]
    clusters = [{"example_id": "e1", "cluster_id": "c1"}, {"example_id": "old", "cluster_id": "c1"}]
    table, _ = updated_assignments(curated, clusters, {"old": "test"}, RATIOS, seed=4)
    split = dict(zip(table.column("example_id").to_pylist(), table.column("split").to_pylist(), strict=True))
    assert split["e1"] == "test"  # joined the cluster of an example already in test
    assert {split[f"aug{i}"] for i in range(5)} == {split["e7"]}  # an augmentation family stays together


def test_existing_examples_never_move_when_data_or_ratios_change() -> None:
    curated = [{"example_id": f"id{i}", "category": None, "parent_id": None} for i in range(1000)]
    first, fresh = updated_assignments(curated, [], {}, RATIOS, seed=3)
    assert fresh == 1000
    existing = dict(zip(first.column("example_id").to_pylist(), first.column("split").to_pylist(), strict=True))
    more = curated + [{"example_id": f"new{i}", "category": None, "parent_id": None} for i in range(500)]
    second, fresh = updated_assignments(more, [], existing, {"train": 0.5, "val": 0.25, "test": 0.25}, seed=3)
    assert fresh == 500
    after = dict(zip(second.column("example_id").to_pylist(), second.column("split").to_pylist(), strict=True))
    assert all(after[i] == existing[i] for i in existing)


def test_zero_ratio_split_gets_nothing() -> None:
    result, _ = assign_splits(members(500), {}, {"train": 0.9, "val": 0.0, "test": 0.1}, seed=5)
    assert "val" not in result.values()


def test_leak_report() -> None:
    rows = [
        {"example_id": "a", "split": "train", "parent_id": None, "norm_hash": "h1"},
        {"example_id": "b", "split": "test", "parent_id": None, "norm_hash": "h1"},
        {"example_id": "c", "split": "train", "parent_id": "a", "norm_hash": "h2"},
        {"example_id": "d", "split": "val", "parent_id": "a", "norm_hash": "h3"},
        {"example_id": "e", "split": "val", "parent_id": None, "norm_hash": "h4"},
        {"example_id": "f", "split": "test", "parent_id": None, "norm_hash": "h5"},
    ]
    report = find_leaks(rows, [{"example_id": "e", "cluster_id": "k"}, {"example_id": "f", "cluster_id": "k"}])
    assert report.duplicates_across_splits == ["h1"]
    assert report.families_across_splits == ["a"]
    assert report.clusters_across_splits == ["k"]
    assert not report.clean
    assert find_leaks(rows[:1], []).clean


def test_a_parent_and_its_only_child_in_different_splits_is_a_family_leak() -> None:
    rows = [{"example_id": "p", "split": "train", "parent_id": None, "norm_hash": "h1"},
            {"example_id": "q", "split": "val", "parent_id": "p", "norm_hash": "h2"}]
    assert find_leaks(rows, []).families_across_splits == ["p"]
    rows[1]["split"] = "train"
    assert find_leaks(rows, []).clean


def test_write_atomic_and_manifest(tmp_path: Path) -> None:
    export_set = ExportSet(tmp_path / "exports")
    sha = export_set.write("openai/train.jsonl", b"abc\n")
    assert sha == hashlib.sha256(b"abc\n").hexdigest()
    manifest = export_set.publish([{"path": "openai/train.jsonl", "records": 1, "sha256": sha}], {"x": 1})
    assert [p.name for p in (tmp_path / "exports" / "openai").iterdir()] == ["train.jsonl"]  # no temp file left
    assert orjson.loads(manifest.read_bytes()) == {"x": 1, "files": [{"path": "openai/train.jsonl", "records": 1,
                                                                       "sha256": sha}]}


def test_an_export_set_is_published_whole_or_not_at_all(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    first = ExportSet(exports)
    first.write("openai/train.jsonl", b"old\n")
    first.write("alpaca/train.jsonl", b"old\n")
    first.publish([{"path": "openai/train.jsonl"}, {"path": "alpaca/train.jsonl"}], {"run": 1})
    killed = ExportSet(exports)  # a run that dies after writing part of its set
    killed.write("openai/train.jsonl", b"new\n")
    assert (exports / "openai" / "train.jsonl").read_bytes() == b"old\n"  # readers still see the whole old set
    assert orjson.loads((exports / "manifest.json").read_bytes())["run"] == 1
    nxt = ExportSet(exports)  # the next run clears the dead run's staging folder
    assert not killed.staging.exists()
    nxt.write("openai/train.jsonl", b"new\n")
    nxt.publish([{"path": "openai/train.jsonl"}], {"run": 2})
    assert (exports / "openai" / "train.jsonl").read_bytes() == b"new\n"
    assert not (exports / "alpaca").exists()  # a format dropped from the config leaves with the old set
    assert [p.name for p in (tmp_path / "export_sets").iterdir()] == [exports.resolve().name]  # one set kept
    assert not list(tmp_path.glob(".exports.link-*"))


def test_an_exports_folder_from_an_older_version_is_replaced_by_the_link(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    (exports / "openai").mkdir(parents=True)
    (exports / "openai" / "stale.jsonl").write_bytes(b"x")
    export_set = ExportSet(exports)
    export_set.write("openai/train.jsonl", b"abc\n")
    export_set.publish([{"path": "openai/train.jsonl"}], {})
    assert exports.is_symlink() and sorted(p.name for p in (exports / "openai").iterdir()) == ["train.jsonl"]


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


def test_split_shares_are_measured_on_the_exported_examples() -> None:
    from collections import Counter

    from sft_assets.split.tables import updated_assignments

    curated = [{"example_id": f"e{i:03d}", "category": None, "parent_id": None} for i in range(200)]
    # the first 40 curated examples each stand for a cluster whose 9 other members were dropped as near duplicates
    clusters = [{"example_id": f"e{i:03d}", "cluster_id": f"c{i}"} for i in range(40)]
    clusters += [{"example_id": f"d{i:03d}-{k}", "cluster_id": f"c{i}"} for i in range(40) for k in range(9)]
    table, fresh = updated_assignments(curated, clusters, {}, {"train": 0.8, "val": 0.1, "test": 0.1}, seed=7)
    split = dict(zip(table.column("example_id").to_pylist(), table.column("split").to_pylist(), strict=True))
    shares = Counter(split[row["example_id"]] for row in curated)
    assert shares == {"train": 160, "val": 20, "test": 20}  # 80/10/10 of what is exported
    assert fresh == 200
