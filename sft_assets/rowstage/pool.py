"""Run a pure function over row chunks of an Arrow table on worker processes, results in input order.

A `WorkerPool` is an explicit object with a lifetime (a context manager; in Dagster, a run-scoped
resource), so the stages of one run reuse warm workers and nothing outlives the run. It knows no stage:
the stages hand it their warm-up callables.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc  # noqa: F401 - pa.ipc

from sft_assets import kernels

T = TypeVar("T")
MIN_ROWS_PER_WORKER = 2_000  # below this, starting processes costs more than it saves
# Chunks per worker: more chunks even out the work (rows differ a lot in cost) and shorten the wait for the
# last one, fewer spread the per-chunk costs over more rows.
CHUNKS_PER_WORKER = 8
SHARED_MEMORY = "/dev/shm"  # a RAM-backed folder where Linux has one: chunks reach workers without copies
ROW = "__row"
ROW_BYTES = 256  # what a row costs beyond its text, in bytes of text that cost as much


class WorkerPool:
    """`workers` processes (started on first need), each prepared with `kernels.prepare(cache_dir)` and the
    stages' `warm_ups` (imports, models, compiled kernels) before it takes rows. With one worker, or a
    table too small to split, everything runs in this process."""

    def __init__(self, workers: int, cache_dir: Path | None = None,
                 warm_ups: Sequence[Callable[[], None]] = ()) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.workers, self.cache_dir, self.warm_ups = workers, cache_dir, tuple(warm_ups)
        self._executor: ProcessPoolExecutor | None = None
        kernels.prepare(cache_dir)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._executor is not None

    def splits(self, rows: int) -> bool:
        """Whether a table of `rows` rows goes to the workers."""
        return self.workers > 1 and rows >= MIN_ROWS_PER_WORKER * 2

    def start(self, rows: int) -> None:
        """Start the processes now, so that they prepare while the caller reads its `rows` input rows and
        the first chunks find warm workers. Nothing happens when the rows will stay in this process."""
        if not self.splits(rows) or self.running:
            return
        for _ in range(self.workers):  # processes start on demand: one per task while none is idle
            self._pool().submit(int)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_prepare, initargs=(self.cache_dir, self.warm_ups))
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def map_chunks(self, fn: Callable[..., T], table: pa.Table, *args: Any) -> list[T]:
        """fn(chunk, *args) for consecutive row chunks."""
        return list(self.iter_chunks(fn, table, *args))

    def iter_chunks(self, fn: Callable[..., T], table: pa.Table, *args: Any) -> Iterator[T]:
        """map_chunks' results in order as they arrive, so that the caller works on the first ones while the
        workers compute the rest. Each chunk is submitted as soon as its file is written."""
        if not self.splits(table.num_rows):
            yield fn(table, *args)
            return
        starts = chunk_starts(table, self.workers * CHUNKS_PER_WORKER)
        shm = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None
        with tempfile.TemporaryDirectory(prefix="sft-assets-", dir=shm) as folder:
            pool = self._pool()
            futures = [pool.submit(_call_on_file, _write_ipc(table.slice(start, end - start), os.path.join(folder, f"{start}.arrow")),
                                   fn, *args) for start, end in zip(starts, [*starts[1:], table.num_rows], strict=True)]
            try:
                for future in futures:
                    yield future.result()
            except BrokenProcessPool:
                self._executor = None  # a worker died: the next call starts fresh processes
                raise
            finally:
                for future in futures:
                    future.cancel()

    def map_row_stage(self, fn: Callable[..., Any], table: pa.Table, columns: list[str], *args: Any) -> list[Any]:
        """Run a row stage on chunks, shipping as little as possible between processes. fn(chunk, *args)
        returns a StageResult (result.py) that declares how its kept rows derive from the chunk: workers get
        only `columns` and send back just the declarations; here each result's source becomes its span of
        `table`, so its kept rows carry every column of the input."""
        slim = table.select(columns).append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
        results = []
        for result, first, rows in self.iter_chunks(_declarations, slim, fn, *args):
            result.source = table.slice(first, rows)
            result.kept  # noqa: B018 - built now, while the workers compute the next chunks
            results.append(result)
        return results


def _prepare(cache_dir: Path | None, warm_ups: Sequence[Callable[[], None]]) -> None:
    """A failed warm-up must not break the pool: the stage itself will then fail with a real error."""
    kernels.prepare(cache_dir)
    for warm_up in warm_ups:
        try:
            warm_up()
        except Exception:  # noqa: BLE001 - warming up only saves time
            pass


def _write_ipc(chunk: pa.Table, path: str) -> str:
    """Write a chunk as an Arrow IPC file (only the slice's data) for a worker to memory-map."""
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, chunk.schema) as writer:
        writer.write_table(chunk)
    return path


def _call_on_file(path: str, fn: Callable[..., T], *args: Any) -> T:
    with pa.memory_map(path) as source:
        chunk = pa.ipc.open_file(source).read_all()
        return fn(chunk, *args)


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


def _declarations(chunk: pa.Table, fn: Callable[..., Any], *args: Any) -> tuple[Any, int, int]:
    """Run the stage and drop its source (the caller has it): (result, first row, rows)."""
    result = fn(chunk, *args)
    result.source = None
    return result, int(chunk.column(ROW)[0].as_py()) if chunk.num_rows else 0, chunk.num_rows
