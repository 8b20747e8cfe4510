"""Ingest throughput on a generated 200K-record JSONL file, beside DuckDB's read_json of the same file.

Run: `uv run --frozen python -m sft_assets_tests.benchmarks.bench_ingest [--records N] [--workers N]`.
Our ingest parses, validates, canonicalizes and hashes every record into Arrow tables (with a fresh worker
pool, so process start-up is included); DuckDB's read_json only parses into a table. Reported as records/s
and as the ratio ours / DuckDB, best of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from sft_assets.ingest.ingest_file import FileTask, ingest_file, ingest_pool
from sft_assets_tests.benchmarks.gen_data import write_jsonl
from sft_assets_tests.benchmarks.machine import describe


def time_ours(path: Path, workers: int, warm: bool) -> float:
    """Seconds to ingest the file; with `warm`, the worker pool is started (and excluded) beforehand,
    as it is for every file after the first one in a pipeline run."""
    pool = ingest_pool(workers)
    if warm and pool is not None:
        list(pool.map(abs, range(workers * 4)))
        pool.submit(_import_ingest).result()
    start = time.perf_counter()
    try:
        result = ingest_file(FileTask(source="bench", path=path, file=path.name), pool)
    finally:
        elapsed = time.perf_counter() - start
        if pool is not None:
            pool.shutdown()
    assert result.n_quarantined == 0 and result.n_examples > 0
    return elapsed


def _import_ingest() -> None:
    import sft_assets.ingest.ingest_file  # noqa: F401


def time_duckdb(path: Path) -> tuple[float, int]:
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_json('{path}', format = 'newline_delimited')")
    elapsed = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    con.close()
    return elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pa.array(["warm up"])  # pyarrow's lazy imports are paid once per process, not per file
    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(Path(tmp) / "bench.jsonl", args.records)
        size_mb = path.stat().st_size / 2**20
        cold = min(time_ours(path, args.workers, warm=False) for _ in range(args.repeat))
        warm = min(time_ours(path, args.workers, warm=True) for _ in range(args.repeat))
        serial = min(time_ours(path, 1, warm=False) for _ in range(args.repeat))
        duck = min(time_duckdb(path)[0] for _ in range(args.repeat))
    n = args.records
    print(f"machine: {describe()}")
    print(f"file: {n} records, {size_mb:.1f} MiB JSONL; best of {args.repeat}")
    for label, seconds in (
        (f"sft-assets ingest, {args.workers} workers, pool start included", cold),
        (f"sft-assets ingest, {args.workers} workers, pool already running", warm),
        ("sft-assets ingest, 1 process", serial),
        ("duckdb read_json into a table", duck),
    ):
        print(f"{label:58s} {seconds:6.2f} s {n / seconds:>10,.0f} records/s   ratio to duckdb {duck / seconds:.3f}")


if __name__ == "__main__":
    main()
