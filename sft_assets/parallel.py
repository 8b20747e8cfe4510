"""Run a pure function over row chunks of an Arrow table on a process pool, results in input order."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc  # noqa: F401 - pa.ipc

T = TypeVar("T")
MIN_ROWS_PER_WORKER = 2_000  # below this, starting processes costs more than it saves
# Chunks per worker: more chunks even out the work (rows differ a lot in cost) and shorten the wait for the
# last one, fewer spread the per-chunk costs over more rows.
CHUNKS_PER_WORKER = 8


_SHARED_MEMORY = "/dev/shm"  # a RAM-backed folder where Linux has one: chunks reach workers without copies


def _write_ipc(chunk: pa.Table, path: str) -> str:
    """Write a chunk as an Arrow IPC file (only the slice's data) for a worker to memory-map."""
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, chunk.schema) as writer:
        writer.write_table(chunk)
    return path


def _call_on_file(path: str, fn: Callable[..., T], *args: Any) -> T:
    with pa.memory_map(path) as source:
        chunk = pa.ipc.open_file(source).read_all()
        return fn(chunk, *args)


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int, initializer: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """One pool per size for the life of the process: the stages of a run (cleaned, filtered, near_deduped
    run in one process) reuse warm workers instead of paying start-up and model loading again. The
    initializer only applies when this call creates the pool."""
    if workers not in _POOLS:
        if not _POOLS:
            atexit.register(shutdown_pools)
        _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                              initializer=_prepare, initargs=(initializer,))
    return _POOLS[workers]


def start_workers(workers: int, rows: int, prepare: Callable[[], None]) -> None:
    """Start the worker processes now, each running `prepare` (imports, models, compiled kernels) while the
    caller does something else, such as reading its `rows` input rows, so that the first chunks find warm
    workers. Nothing happens when the rows will be processed in-process or the pool is already running."""
    if workers <= 1 or rows < MIN_ROWS_PER_WORKER * 2 or workers in _POOLS:
        return
    pool = _pool(workers, prepare)
    for _ in range(workers):  # processes start on demand: one per task while none is idle
        pool.submit(int)


def _prepare(prepare: Callable[[], None] | None) -> None:
    """A failed preparation must not break the pool: the stage itself will then fail with a real error."""
    if prepare is None:
        return
    try:
        prepare()
    except Exception:  # noqa: BLE001 - preparation only saves time
        pass


def shutdown_pools() -> None:
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, cancel_futures=True)


def map_chunks(fn: Callable[..., T], table: pa.Table, workers: int, *args: Any) -> list[T]:
    """fn(chunk, *args) for consecutive row chunks; in-process when the table is small or workers <= 1."""
    return list(iter_chunks(fn, table, workers, *args))


def iter_chunks(fn: Callable[..., T], table: pa.Table, workers: int, *args: Any) -> Iterator[T]:
    """map_chunks' results in order as they arrive, so that the caller works on the first ones while the
    workers compute the rest. Each chunk is submitted as soon as its file is written."""
    if workers <= 1 or table.num_rows < MIN_ROWS_PER_WORKER * 2:
        yield fn(table, *args)
        return
    starts = chunk_starts(table, workers * CHUNKS_PER_WORKER)
    with tempfile.TemporaryDirectory(prefix="sft-assets-", dir=_SHARED_MEMORY if os.path.isdir(_SHARED_MEMORY) else None) as folder:
        pool = _pool(workers)
        futures = [pool.submit(_call_on_file, _write_ipc(table.slice(start, end - start), os.path.join(folder, f"{start}.arrow")),
                               fn, *args) for start, end in zip(starts, [*starts[1:], table.num_rows], strict=True)]
        try:
            for future in futures:
                yield future.result()
        except BrokenProcessPool:
            _POOLS.pop(workers, None)  # a worker died: the next call starts a fresh pool
            raise
        finally:
            for future in futures:
                future.cancel()


ROW_BYTES = 256  # what a row costs beyond its text, in bytes of text that cost as much


def chunk_starts(table: pa.Table, n_chunks: int) -> list[int]:
    """First rows of consecutive chunks of about equal work, taken as the rows' text bytes plus a fixed
    cost per row: rows differ a lot in size, and chunks of equal row counts leave one worker waiting for
    the other at the end of a stage."""
    weights = np.full(table.num_rows, ROW_BYTES, dtype=np.int64)
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            weights += pc.binary_length(column).fill_null(0).to_numpy()
    cumulative = np.cumsum(weights)
    targets = cumulative[-1] * np.arange(1, n_chunks) / n_chunks
    starts = np.unique(np.searchsorted(cumulative, targets, side="right"))
    return [0, *(int(s) for s in starts if 0 < s < table.num_rows)]


ROW = "__row"


def map_row_stage(fn: Callable[..., Any], table: pa.Table, workers: int, columns: list[str], *args: Any) -> list[Any]:
    """Run a row stage on chunks, shipping as little as possible between processes. fn(chunk, *args) returns
    a StageResult (clean/stage.py) that declares how its kept rows derive from the chunk: workers get only
    `columns` and send back just the declarations; here each result's source becomes its span of `table`,
    so its kept rows carry every column of the input."""
    slim = table.select(columns).append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    results = []
    for result, first, rows in iter_chunks(_declarations, slim, workers, fn, *args):
        result.source = table.slice(first, rows)
        result.kept  # noqa: B018 - built now, while the workers compute the next chunks
        results.append(result)
    return results


def _declarations(chunk: pa.Table, fn: Callable[..., Any], *args: Any) -> tuple[Any, int, int]:
    """Run the stage and drop its source (the caller has it): (result, first row, rows)."""
    result = fn(chunk, *args)
    result.source = None
    return result, int(chunk.column(ROW)[0].as_py()) if chunk.num_rows else 0, chunk.num_rows
