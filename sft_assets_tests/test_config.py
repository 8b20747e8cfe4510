"""A bad configuration fails before any work, naming the file, the key and the reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sft_assets.config import SAMPLE_CONFIG, ConfigError, load_config
from sft_assets_tests.helpers import write_config


def problems_of(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    return caught.value.problems


def test_bundled_sample_config_loads() -> None:
    loaded = load_config(SAMPLE_CONFIG)
    assert [s.name for s in loaded.config.sources] == ["chat_en", "sharegpt_zh", "alpaca_zh", "dolly_en", "qa_zh", "faq_en",
                                                    "messy_mixed"]
    assert loaded.files["dolly_en"] == ["dolly_en.jsonl.gz"]


def test_config_path_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path, [{"name": "a", "path": "a.jsonl"}])
    (tmp_path / "data" / "a.jsonl").write_text("{}\n")
    monkeypatch.setenv("SFT_ASSETS_CONFIG", str(path))
    assert load_config().path == path.resolve()


@pytest.mark.parametrize(
    ("sources", "sections", "key", "reason_part"),
    [
        ([{"name": "a", "path": "a.jsonl", "format": "yaml"}], {}, "sources[0].format", "Input should be"),
        ([{"name": "a", "path": "a.jsonl", "colour": 1}], {}, "sources[0].colour", "Extra inputs"),
        ([{"name": "a b", "path": "a.jsonl"}], {}, "sources[0].name", "should match pattern"),
        ([{"name": "a", "path": "a.jsonl"}, {"name": "a", "path": "a.jsonl"}], {}, "(top level)", "repeated: ['a']"),
        ([{"name": "a", "path": "a.jsonl"}], {"split": {"ratios": {"train": 0.9, "val": 0.2, "test": 0.1}}},
         "split.ratios", "sum to 1"),
        ([{"name": "a", "path": "a.jsonl"}], {"ingest": {"max_record_bytes": 0}}, "ingest.max_record_bytes",
         "greater than 0"),
        ([{"name": "a", "path": "a.jsonl", "columns": {"user": "q"}}], {}, "sources[0].columns", "'assistant'"),
        ([], {}, "sources", "at least 1"),
    ],
)
def test_invalid_values_name_key_and_reason(tmp_path: Path, sources, sections, key: str, reason_part: str) -> None:
    path = write_config(tmp_path, sources, **sections)
    (tmp_path / "data" / "a.jsonl").write_text("{}\n")
    problems = problems_of(path)
    assert any(k == key and reason_part in r for k, r in problems), problems


def test_missing_source_path_is_named(tmp_path: Path) -> None:
    path = write_config(tmp_path, [{"name": "a", "path": "nope.jsonl"}])
    [(key, reason)] = problems_of(path)
    assert key == "sources[0].path"
    assert str(tmp_path / "data" / "nope.jsonl") in reason and "does not exist" in reason


def test_paths_may_not_escape_the_data_root(tmp_path: Path) -> None:
    (tmp_path / "secret.jsonl").write_text("{}\n")
    path = write_config(tmp_path, [{"name": "a", "path": "../secret.jsonl"}])
    [(key, reason)] = problems_of(path)
    assert key == "sources[0].path" and "outside data_root" in reason


def test_symlinks_may_not_escape_the_data_root(tmp_path: Path) -> None:
    (tmp_path / "secret.jsonl").write_text("{}\n")
    path = write_config(tmp_path, [{"name": "a", "path": "link.jsonl"}])
    os.symlink(tmp_path / "secret.jsonl", tmp_path / "data" / "link.jsonl")
    [(key, reason)] = problems_of(path)
    assert key == "sources[0].path" and "outside data_root" in reason


def test_directories_and_globs_resolve_to_sorted_data_files(tmp_path: Path) -> None:
    path = write_config(tmp_path, [{"name": "d", "path": "dir"}, {"name": "g", "path": "dir/*.jsonl"}])
    folder = tmp_path / "data" / "dir"
    (folder / "sub").mkdir(parents=True)
    for name in ("b.jsonl", "a.json.gz", "notes.md", "sub/c.csv"):
        (folder / name).write_text("x")
    loaded = load_config(path)
    assert loaded.files["d"] == ["dir/a.json.gz", "dir/b.jsonl", "dir/sub/c.csv"]
    assert loaded.files["g"] == ["dir/b.jsonl"]


def test_not_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: [unclosed\n")
    [(key, reason)] = problems_of(bad)
    assert key == "(file)" and "not valid YAML" in reason
    [(key, reason)] = problems_of(tmp_path / "absent.yaml")
    assert reason == "the configuration file does not exist"
