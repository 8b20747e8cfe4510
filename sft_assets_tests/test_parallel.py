"""Row stages on worker processes: only decisions travel, and the rebuilt rows equal an in-process run."""

from __future__ import annotations

import pyarrow as pa

from sft_assets.clean.stage import CLEAN_COLUMNS, clean_table
from sft_assets.clean.stage import warm_up as clean_warm_up
from sft_assets.config import CurationConfig
from sft_assets.filter.apply import FILTER_COLUMNS, filter_table
from sft_assets.filter.apply import warm_up as filter_warm_up
from sft_assets.rowstage.pool import WorkerPool
from sft_assets.rowstage.result import merge
from sft_assets_tests.helpers import chat, table_of


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
    with WorkerPool(2) as pool:
        cleaned = merge(pool.map_row_stage(clean_table, table, CLEAN_COLUMNS, config.clean))
        filtered = merge(pool.map_row_stage(filter_table, cleaned.kept, FILTER_COLUMNS, config.filter, "cl100k_base"))
    direct = clean_table(table, config.clean)
    assert cleaned.kept.equals(direct.kept)
    assert cleaned.kept.column("meta").to_pylist()[:2] == ["m0", "m1"]  # columns the workers never saw
    assert sorted(cleaned.decisions) == sorted(direct.decisions) and cleaned.counts["modified:html"] == 571
    expected = filter_table(direct.kept, config.filter, "cl100k_base")
    assert filtered.kept.equals(expected.kept)
    assert filtered.counts["dropped:placeholder_output"] == 400
    assert filtered.kept.num_rows == 4000 and filtered.kept.column_names[-2:] == ["flags", "is_refusal"]


def _fail() -> None:
    raise RuntimeError("preparation failed")


def test_started_workers_are_prepared_and_a_failed_preparation_does_not_break_the_pool() -> None:
    from functools import partial

    config = CurationConfig(sources=[{"name": "x", "path": "x"}])
    table = _examples(4400)
    with WorkerPool(2, warm_ups=(_fail,)) as pool:
        pool.start(4400)
        assert pool.running
        cleaned = merge(pool.map_row_stage(clean_table, table, CLEAN_COLUMNS, config.clean))
        assert cleaned.kept.equals(clean_table(table, config.clean).kept)
    assert not pool.running  # closed with its context
    clean_warm_up()  # every step and pre-filter runs on its built-in conversation
    filter_warm_up("o200k_base")
    for workers, rows in ((1, 10**6), (2, 3000)):  # one worker, or few rows: the stages run in-process
        with WorkerPool(workers, warm_ups=(partial(filter_warm_up, "cl100k_base"),)) as pool:
            pool.start(rows)
            assert not pool.running


def test_rows_with_the_same_mask_share_one_selection() -> None:
    import numpy as np
    import pytest

    from sft_assets.core.row_masks import chosen_per_row

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
