"""Run a pure function over row chunks of an Arrow table on a process pool, results in input order."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

import pyarrow as pa

T = TypeVar("T")
MIN_ROWS_PER_WORKER = 2_000  # below this, starting processes costs more than it saves


def map_chunks(fn: Callable[..., T], table: pa.Table, workers: int, *args: Any) -> list[T]:
    """fn(chunk, *args) for consecutive row chunks; in-process when the table is small or workers <= 1."""
    if workers <= 1 or table.num_rows < MIN_ROWS_PER_WORKER * 2:
        return [fn(table, *args)]
    n_chunks = workers * 4
    size = -(-table.num_rows // n_chunks)
    chunks = [table.slice(start, size) for start in range(0, table.num_rows, size)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(fn, chunks, *([a] * len(chunks) for a in args)))
