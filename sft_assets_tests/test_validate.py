"""`sft-assets validate`: the format report and its exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sft_assets.cli import main
from sft_assets.quality.validate_report import default_epochs, validate_file

GOOD = {"messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hi"},
                     {"role": "assistant", "content": "hi"}]}


def write(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_cookbook_keys_and_own_reasons_are_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "train.jsonl", [
        GOOD,
        "a string",
        {"nomessages": 1},
        {"messages": [{"role": "user"}, {"role": "assistant", "content": "x"}]},
        {"messages": [{"role": "user", "content": "q", "colour": "red"}, {"role": "assistant", "content": "x"}]},
        {"messages": [{"role": "robot", "content": "q"}, {"role": "assistant", "content": "x"}]},
        {"messages": [{"role": "user", "content": "q"}]},
    ])
    report = validate_file(path)
    assert report.cookbook == {
        "data_type": 1, "missing_messages_list": 1, "message_missing_key": 1, "message_unrecognized_key": 1,
        "unrecognized_role": 1, "missing_content": 1, "example_missing_assistant_message": 1,
    }
    assert report.reasons == {"missing_content": 1, "missing_messages": 1, "no_assistant_turn": 1,
                              "not_an_object": 1, "unknown_role": 1}
    assert report.examples == 2  # GOOD and the one with an extra message key (kept in meta)
    assert report.error_count == 12


def test_token_statistics_and_billing(tmp_path: Path) -> None:
    rows = [{"messages": [{"role": "user", "content": "word " * n}, {"role": "assistant", "content": " ".join(["ok"] * n)}]}
            for n in (1, 10, 100, 1000)]
    report = validate_file(write(tmp_path / "t.jsonl", rows), max_tokens=500, epochs=2)
    assert report.tokens["min"] < report.tokens["median"] < report.tokens["max"]
    assert set(report.tokens) == {"min", "max", "mean", "median", "p10", "p90"}
    assert report.assistant_tokens["min"] == 1 and report.assistant_tokens["max"] == 1000
    assert report.over_max_tokens == 1
    assert report.epochs == 2
    expected = 2 * (sum(min(500, t) for t in _totals(report)))
    assert report.billed_tokens == expected


def _totals(report) -> list[int]:
    # per-example totals are not kept in the report; recompute from its inputs for the billing check
    from sft_assets.quality.tokens import count_message_tokens

    return [count_message_tokens([{"role": "user", "content": "word " * n}, {"role": "assistant", "content": " ".join(["ok"] * n)}])[0]
            for n in (1, 10, 100, 1000)]


@pytest.mark.parametrize(("n", "epochs"), [(10, 10), (20, 5), (100, 3), (8000, 3), (9000, 2), (10000, 2), (50000, 1)])
def test_default_epochs_follow_dataset_size(n: int, epochs: int) -> None:
    assert default_epochs(n) == epochs


def test_cli_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path / "good.jsonl", [GOOD])
    assert main(["validate", str(good)]) == 0
    out = capsys.readouterr().out
    assert "example_missing_assistant_message" in out and "billed tokens" in out
    bad = write(tmp_path / "bad.jsonl", [GOOD, {"messages": [{"role": "user", "content": "q"}]}])
    assert main(["validate", "--json", str(bad)]) == 1
    [report] = json.loads(capsys.readouterr().out)
    assert report["cookbook"]["example_missing_assistant_message"] == 1
    assert main(["validate", str(tmp_path / "absent.jsonl")]) == 2


def test_validate_other_formats(tmp_path: Path) -> None:
    path = tmp_path / "alpaca.json"
    path.write_text(json.dumps([{"instruction": "i", "input": "", "output": "o"},
                                {"instruction": "i", "input": "", "output": ""}]))
    report = validate_file(path)
    assert report.format == "alpaca"
    assert report.reasons == {"empty_turn": 1}
    assert sum(report.cookbook.values()) == 0


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_direct_token_counter_equals_the_packages_encode_ordinary(name: str) -> None:
    import bpe_openai

    from sft_assets.quality.tokens import token_counter

    texts = ["", "hello world", "Ünïcödé 中文 текст <|endoftext|> 12345", " " * 50 + "x", "\n\n\t  a", "I've got it",
             "😀" * 7, "def f(x):\n    return x ** 2  # square\n", "作为一个AI语言模型，我无法回答。" * 20]
    encoding = bpe_openai.get_encoding(name)
    assert [token_counter(name)(t) for t in texts] == [len(encoding.encode_ordinary(t)) for t in texts]
