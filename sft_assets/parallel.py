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


def _pool(workers: int) -> ProcessPoolExecutor:
    """One pool per size for the life of the process: the stages of a run (cleaned, filtered, near_deduped
    run in one process) reuse warm workers instead of paying start-up and model loading again."""
    if workers not in _POOLS:
        if not _POOLS:
            atexit.register(shutdown_pools)
        _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    return _POOLS[workers]


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
    n_chunks = workers * 4
    size = -(-table.num_rows // n_chunks)
    with tempfile.TemporaryDirectory(prefix="sft-assets-", dir=_SHARED_MEMORY if os.path.isdir(_SHARED_MEMORY) else None) as folder:
        pool = _pool(workers)
        futures = [pool.submit(_call_on_file, _write_ipc(table.slice(start, size), os.path.join(folder, f"{start}.arrow")),
                               fn, *args) for start in range(0, table.num_rows, size)]
        try:
            for future in futures:
                yield future.result()
        except BrokenProcessPool:
            _POOLS.pop(workers, None)  # a worker died: the next call starts a fresh pool
            raise
        finally:
            for future in futures:
                future.cancel()


ROW = "__row"
CHANGED = "__changed__"


def map_row_stage(fn: Callable[..., Any], table: pa.Table, workers: int, columns: list[str], *args: Any) -> list[Any]:
    """Run a row stage on chunks, shipping as little as possible between processes. fn(chunk, *args) returns
    a StageResult that declares how its `.kept` derives from the chunk (kept_rows, replaced, added): workers
    get only `columns` and send back just that; each result's `.kept` is rebuilt here from `table`, so it
    carries every column of the input."""
    slim = table.select(columns).append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    results = []
    for result in iter_chunks(_stage_delta, slim, workers, fn, *args):
        result.kept = _restore(table, result.kept)  # while the workers compute the next chunks
        results.append(result)
    return results


def _stage_delta(chunk: pa.Table, fn: Callable[..., Any], *args: Any) -> Any:
    """Run the stage, then replace its kept table by what it declared changed (see StageResult)."""
    result = fn(chunk, *args)
    kept_rows = result.kept_rows
    delta = {ROW: chunk.column(ROW).take(pa.array(kept_rows, pa.int64()))}
    for name, (positions, values) in result.replaced.items():
        slot = np.full(chunk.num_rows, -1, dtype=np.int64)
        slot[positions] = np.arange(len(positions))  # input position -> index into values
        order = slot[kept_rows]
        changed = order >= 0
        delta[name] = pc.if_else(pa.array(changed), values.take(pa.array(np.maximum(order, 0))),
                                 pa.scalar(None, values.type)) if len(values) else pa.nulls(len(kept_rows), values.type)
        delta[CHANGED + name] = pa.array(changed)
    delta.update(result.added)
    result.kept = pa.table(delta)
    return result


def _restore(table: pa.Table, delta: pa.Table) -> pa.Table:
    rows = delta.column(ROW).to_numpy()
    first = int(rows[0]) if rows.size else 0
    span = table.slice(first, int(rows[-1]) - first + 1 if rows.size else 0)
    # kept rows are ascending: all of the span, or a take() from it (faster than filter() on many chunks)
    kept = span if rows.size == span.num_rows else span.take(pa.array(rows - first))
    for name in delta.column_names:
        if name == ROW or name.startswith(CHANGED):
            continue
        if name in kept.column_names:
            index = kept.schema.get_field_index(name)
            changed = delta.column(CHANGED + name)  # replace_with_mask copies far faster than if_else
            merged = pc.replace_with_mask(kept.column(name).combine_chunks(), changed.combine_chunks(),
                                          delta.column(name).filter(changed).combine_chunks())
            kept = kept.set_column(index, kept.schema.field(index), merged)
        else:
            kept = kept.append_column(name, delta.column(name))
    return kept
