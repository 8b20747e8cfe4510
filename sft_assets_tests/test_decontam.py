"""Decontamination against eval sets: long n-gram overlap, whole-text match of short items, MinHash near-match."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from sft_assets.dedup.decontam import decontaminate, load_eval_items
from sft_assets.dedup.settings import DecontaminationConfig, EvalSet, NearDedupConfig
from sft_assets.ingest.ingest_file import FileTask, ingest_file

CONFIG = DecontaminationConfig()
NEAR = NearDedupConfig()


def table(prompts: list[str]) -> pa.Table:
    rows = [{"example_id": f"ex{i}", "source": "s", "file": "f", "locator": f"line {i + 1}",
             "messages": orjson.dumps([{"role": "user", "content": p}, {"role": "assistant", "content": "ok"}]).decode()}
            for i, p in enumerate(prompts)]
    return pa.Table.from_pylist(rows)


def eval_file(tmp_path: Path, questions: list[str]) -> list:
    path = tmp_path / "eval.jsonl"
    path.write_text("\n".join(json.dumps({"question": q, "answer": "x"}) for q in questions))
    return load_eval_items(EvalSet(name="ev", path="eval.jsonl"), path)


LONG_Q = ("Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
          "How many clips did Natalia sell altogether in April and May?")


def test_verbatim_paraphrase_and_unrelated(tmp_path: Path) -> None:
    items = eval_file(tmp_path, [LONG_Q, "What is the capital of France?"])
    prompts = [
        "Answer carefully: " + LONG_Q,  # contains the eval item: 13-gram overlap
        "what is the CAPITAL of france",  # short item: whole-text match after normalization
        "Natalia sold clips to 48 friends in April and half as many in May; how many clips in total were sold?",
        "What is the capital of Germany?",
    ]
    result = decontaminate(table(prompts), items, CONFIG, NEAR)
    assert [(d["example_id"], d["rule"], d["eval_item"]) for d in result.dropped] == [
        ("ex0", "eval_ngram_overlap", "ev#1"), ("ex1", "eval_ngram_overlap", "ev#2")]
    assert result.kept.column("example_id").to_pylist() == ["ex2", "ex3"]  # a real rewrite is not a copy


def test_reordered_sentences_are_a_near_match(tmp_path: Path) -> None:
    # sentences of 12 words: no 13-word run survives the reordering, so only the MinHash near-match can see it
    sentences = ["I am planning a small vegetable garden behind my house this spring.",
                 "The soil is heavy clay and it stays wet for several days.",
                 "My neighbours told me that raised beds might be the better choice.",
                 "What should a complete beginner plant first to get good results quickly?"]
    items = eval_file(tmp_path, [" ".join(sentences[::-1])])
    result = decontaminate(table([" ".join(sentences)]), items, CONFIG, NEAR)
    assert [d["rule"] for d in result.dropped] == ["eval_near_match"]


def test_chinese_overlap_uses_characters(tmp_path: Path) -> None:
    item = "小明有五个苹果，他给了小红两个，又从妈妈那里得到了三个，请问小明现在一共有几个苹果？"
    items = eval_file(tmp_path, [item])
    result = decontaminate(table(["请回答：" + item.replace("苹果", "蘋果"), "小明有几个梨？"]), items, CONFIG, NEAR)
    assert [d["example_id"] for d in result.dropped] == ["ex0"]


def test_plain_question_lists(tmp_path: Path) -> None:
    (tmp_path / "q.txt").write_text("First question here?\n\nSecond question?\n")
    items = load_eval_items(EvalSet(name="txt", path="q.txt", format="questions"), tmp_path / "q.txt")
    assert [i.item_id for i in items] == ["txt#1", "txt#2"]
    (tmp_path / "q.jsonl").write_text('{"turns": ["Turn one", "turn two"]}\n"just a string"\n')
    items = load_eval_items(EvalSet(name="mt", path="q.jsonl", format="questions"), tmp_path / "q.jsonl")
    assert [i.text for i in items] == ["turn one turn two", "just a string"]


@pytest.mark.realistic
def test_gsm8k_train_against_test(shared_data: Path) -> None:
    """GSM8K train and test are disjoint by construction: at most a handful of train problems may match."""
    train = ingest_file(FileTask(source="gsm8k", path=shared_data / "gsm8k" / "train.jsonl", file="train.jsonl"))
    items = load_eval_items(EvalSet(name="gsm8k_test", path="test.jsonl"), shared_data / "gsm8k" / "test.jsonl")
    assert len(items) == 1319
    planted = [LONG_Q, items[10].text, items[20].text.replace("how many", "how much")]
    extra = table(planted).rename_columns(["example_id", "source", "file", "locator", "messages"])
    examples = pa.concat_tables([train.examples.select(["example_id", "source", "file", "locator", "messages"]),
                                 extra.select(["example_id", "source", "file", "locator", "messages"])])
    result = decontaminate(examples, items, CONFIG, NEAR)
    planted_hits = {d["example_id"] for d in result.dropped} & {"ex1", "ex2"}
    assert planted_hits == {"ex1", "ex2"}  # a verbatim test problem and a lightly edited one
    assert len(result.dropped) - len(planted_hits) <= 0.005 * train.n_examples
