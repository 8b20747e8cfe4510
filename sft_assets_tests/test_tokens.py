"""Token bounds that encode texts piece by piece give the tokenizer's exact counts and the same verdicts."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pytest

from sft_assets.rowstage.result import derive_kept
from sft_assets.filter.rules.base import ExampleView
from sft_assets.quality.tokens import PIECE_BREAK, TokenBound, token_counter
from sft_assets_tests.helpers import real_examples

ENCODINGS = ("cl100k_base", "o200k_base")


def _texts(shared_data: Path) -> list[str]:
    """Long real message texts, English and Chinese, that hold piece breaks."""
    texts = []
    for relative in ("sharegpt-sample", "lima/lima.json", "oasst-zh/oaast_sft_zh.json"):
        for messages in real_examples(shared_data, relative).column("messages").to_pylist():
            texts += [m["content"] for m in orjson.loads(messages) if len(m.get("content") or "") > 400]
    return texts


@pytest.mark.realistic
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_tokens_before_and_after_a_piece_break_add_up(shared_data: Path, encoding: str) -> None:
    count = token_counter(encoding)
    rng = random.Random(7)
    texts = _texts(shared_data)
    checked = 0
    for text in texts:
        cuts = [m.start() + 1 for m in PIECE_BREAK.finditer(text)]
        chosen = sorted(rng.sample(cuts, min(len(cuts), 3)))
        pieces = [text[a:b] for a, b in zip([0, *chosen], [*chosen, len(text)], strict=True)]
        assert sum(map(count, pieces)) == count(text), text[:80]
        checked += len(chosen)
    assert len(texts) > 1000 and checked > 2000


@pytest.mark.realistic
def test_token_bounds_answer_as_exact_counts_would(shared_data: Path) -> None:
    count = token_counter("cl100k_base")
    rng = random.Random(3)
    texts = _texts(shared_data)
    for _ in range(400):
        conversation = [{"role": rng.choice(("user", "assistant")), "content": rng.choice(texts)}
                        for _ in range(rng.randint(1, 6))]
        view = ExampleView(conversation)
        exact = {role: sum(count(m["content"]) for m in conversation if role is None or m["role"] == role)
                 for role in (None, "user", "assistant")}
        for role in (None, "user", "assistant", None):  # questions in a row share what was encoded
            limit = max(0, exact[role] + rng.randint(-300, 300))
            assert view.tokens_at_most(limit, role) is (exact[role] <= limit)
        assert view.tokens() == exact[None] and view.tokens("assistant") == exact["assistant"]
        assert ExampleView(conversation).tokens("user") == exact["user"]  # nothing encoded before


def test_a_bound_tightens_down_to_the_exact_count() -> None:
    count = token_counter("cl100k_base")
    text = "Первая строка.\n" + "\n".join(f"Line {i} of a long reply, 中文也在这里。" for i in range(300))
    bound = TokenBound(text, count)
    assert bound.upper == len(text.encode("utf-8"))
    uppers = [bound.upper]
    while bound.rest_bytes:
        bound.tighten(200)
        uppers.append(bound.upper)
    assert len(uppers) > 5 and uppers == sorted(uppers, reverse=True)
    assert bound.exact() == uppers[-1] == count(text)
    assert TokenBound("", count).exact() == 0
    # an exact count on a bound never tightened, or tightened once, in scripts of 3 and 4 bytes a character
    for other in ("\n".join("中文的句子在这里，一共有很多字。" * 3 for _ in range(200)),
                  "\n".join("😀😀 emoji line" for _ in range(300))):
        once = TokenBound(other, count)
        once.tighten(100)
        assert TokenBound(other, count).exact() == once.exact() == count(other)


def _chunked(n: int) -> pa.Table:
    """Rows 0..n-1 spread over chunks of uneven sizes."""
    table = pa.table({"id": np.arange(n), "text": [f"row {i}" for i in range(n)]})
    cuts = [0, 3, 50, 51, 700, n]
    return pa.concat_tables([table.slice(a, b - a) for a, b in zip(cuts, cuts[1:])])


@pytest.mark.parametrize("dropped", ([5, 6, 400], list(range(0, 1000, 3)), [], list(range(1000))))
def test_kept_rows_are_the_same_whether_sliced_or_copied(dropped: list[int]) -> None:
    source = _chunked(1000)
    kept_rows = np.setdiff1d(np.arange(1000), dropped)
    replaced = {"text": (np.array([6, 7, 999]), pa.array(["six", "seven", "last"]))}
    kept = derive_kept(source, kept_rows, replaced, {"flag": pa.array([True] * len(kept_rows))})
    expected = [{"id": i, "text": {6: "six", 7: "seven", 999: "last"}.get(i, f"row {i}"), "flag": True}
                for i in range(1000) if i not in set(dropped)]
    assert kept.to_pylist() == expected
