"""Row stages on worker processes: only decisions travel, and the rebuilt rows equal an in-process run."""

from __future__ import annotations

import pyarrow as pa

from sft_assets.clean.stage import CLEAN_COLUMNS, clean_table, merge
from sft_assets.config import CurationConfig
from sft_assets.filter.apply import FILTER_COLUMNS, filter_table
from sft_assets.rowstage.pool import map_row_stage
from sft_assets_tests.conftest import chat, table_of


def _examples(n: int) -> pa.Table:
    conversations = []
    for i in range(n):
        reply = f"Answer number {i} explains the idea in a full sentence."
        if i % 7 == 0:
            reply = f"<b>Answer</b> number {i} with trailing space   \n\n\n\nand more text here."
        if i % 11 == 0:
            reply = "<nooutput>"
        conversations.append(chat(f"Question {i}: what does this mean in practice?", reply))
    table = table_of(conversations)
    return table.append_column("meta", pa.array([f"m{i}" for i in range(n)]))


def test_stages_on_two_workers_equal_the_in_process_run() -> None:
    config = CurationConfig(sources=[{"name": "x", "path": "x"}])
    table = _examples(4400)  # enough rows for two workers
    cleaned = merge(map_row_stage(clean_table, table, 2, CLEAN_COLUMNS, config.clean))
    direct = clean_table(table, config.clean)
    assert cleaned.kept.equals(direct.kept)
    assert cleaned.kept.column("meta").to_pylist()[:2] == ["m0", "m1"]  # columns the workers never saw
    assert sorted(cleaned.events) == sorted(direct.events) and cleaned.counts["modified:html"] == 571
    filtered = merge(map_row_stage(filter_table, cleaned.kept, 2, FILTER_COLUMNS, config.filter, "cl100k_base"))
    expected = filter_table(direct.kept, config.filter, "cl100k_base")
    assert filtered.kept.equals(expected.kept)
    assert filtered.counts["dropped:placeholder_output"] == 400
    assert filtered.kept.num_rows == 4000 and filtered.kept.column_names[-2:] == ["flags", "is_refusal"]


def _fail() -> None:
    raise RuntimeError("preparation failed")


def test_started_workers_are_prepared_and_a_failed_preparation_does_not_break_the_pool() -> None:
    from functools import partial

    from sft_assets.rowstage.pool import _POOLS, shutdown_pools, start_workers
    from sft_assets.stage_workers import prepare_row_stages

    shutdown_pools()
    try:
        start_workers(3, 4400, _fail)  # a pool size no other test uses
        assert 3 in _POOLS
        config = CurationConfig(sources=[{"name": "x", "path": "x"}])
        table = _examples(4400)
        cleaned = merge(map_row_stage(clean_table, table, 3, CLEAN_COLUMNS, config.clean))
        assert cleaned.kept.equals(clean_table(table, config.clean).kept)
    finally:
        shutdown_pools()
    prepare_row_stages("o200k_base")  # every step and gate runs on its built-in conversation
    start_workers(1, 10**6, partial(prepare_row_stages, "cl100k_base"))
    start_workers(2, 3000, partial(prepare_row_stages, "cl100k_base"))
    assert 1 not in _POOLS and 2 not in _POOLS  # one worker, or few rows: the stages run in-process


def test_rows_with_the_same_mask_share_one_selection() -> None:
    import numpy as np
    import pytest

    from sft_assets.kernels.row_masks import chosen_per_row

    mask = np.array([[True, False, True], [False, False, False], [True, False, True]])
    chosen = chosen_per_row(mask, ["a", "b", "c"], frozenset)
    assert chosen == [frozenset("ac"), frozenset(), frozenset("ac")] and chosen[0] is chosen[2]
    assert chosen_per_row(mask[:0], ["a", "b", "c"]) == []
    with pytest.raises(ValueError, match="at most 62"):
        chosen_per_row(np.zeros((1, 63), bool), list(range(63)))


def test_chunks_hold_about_equal_text_not_equal_rows() -> None:
    from sft_assets.rowstage.pool import ROW_BYTES, chunk_starts

    table = pa.table({"text": ["x" * 10_000] * 10 + ["short"] * 990, "n": range(1000)})
    starts = chunk_starts(table, 4)
    ends = [*starts[1:], 1000]
    work = [sum(len(t) + ROW_BYTES for t in table.column("text").to_pylist()[a:b]) for a, b in zip(starts, ends)]
    assert starts[0] == 0 and starts == sorted(set(starts)) and len(starts) == 4
    assert max(work) - min(work) <= 2 * (10_000 + ROW_BYTES)  # each boundary within one row of its target
    assert chunk_starts(pa.table({"n": range(100)}), 4) == [0, 25, 50, 75]  # no text: equal rows
    assert chunk_starts(pa.table({"text": ["a", "b"]}), 8) == [0, 1]
