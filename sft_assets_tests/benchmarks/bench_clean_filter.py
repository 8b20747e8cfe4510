"""Clean + filter throughput on 200K realistic records, on all cores.

Run: `uv run --frozen python -m sft_assets_tests.benchmarks.bench_clean_filter [--records N] [--workers N]`.
Records are real examples from ../shared/data (Alpaca EN/ZH demos, LIMA, OASST-zh, GSM8K, GPTeacher,
ShareGPT, glaive tool calls) repeated until N, stored in DuckDB and read back as the assets read them. Both stages run exactly as the `cleaned` and `filtered`
assets run them (on the worker pool a run shares), so the numbers include moving rows between processes.
As in the assets, the workers start (and load models and compiled kernels) while the input is read;
with --cold they start inside the timed part instead. Run it twice on a fresh checkout: the first run also
compiles and caches the numba kernels (about 10 s per worker).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from functools import partial

import pyarrow as pa

from sft_assets.clean.stage import CLEAN_COLUMNS, clean_table
from sft_assets.clean.stage import warm_up as clean_warm_up
from sft_assets.config import CurationConfig
from sft_assets.core.store import Store
from sft_assets.filter.apply import FILTER_COLUMNS, filter_table
from sft_assets.filter.apply import warm_up as filter_warm_up
from sft_assets.ingest.ingest_file import FileTask, ingest_file
from sft_assets.rowstage.pool import WorkerPool
from sft_assets.rowstage.result import merge
from sft_assets_tests.benchmarks.machine import describe
from sft_assets_tests.helpers import SHARED_DATA

FILES = (
    "llamafactory-demo/alpaca_en_demo.json", "llamafactory-demo/alpaca_zh_demo.json", "lima/lima.json",
    "oasst-zh/oaast_sft_zh.json", "gsm8k/train.jsonl", "gpteacher/Roleplay/roleplay-simple-deduped-roleplay-dataset.json",
    "llamafactory-demo/glaive_toolcall_en_demo.json", "ruozhiba/ruozhiba_raw.jsonl",
)


def realistic_table(n: int) -> pa.Table:
    tables = [ingest_file(FileTask(source=f.split("/")[0], path=SHARED_DATA / f, file=f)).examples for f in FILES]
    sharegpt = sorted((SHARED_DATA / "sharegpt-sample" / "sampled_enriched_data").glob("*_*.json"))
    tables += [ingest_file(FileTask(source="sharegpt", path=p, file=p.name)).examples for p in sharegpt]
    base = pa.concat_tables(tables)
    reps = -(-n // base.num_rows)
    return pa.concat_tables([base] * reps).slice(0, n)


def as_the_asset_reads(table: pa.Table) -> pa.Table:
    """The rows as the `cleaned` asset gets them: stored in DuckDB, then read back (in DuckDB's large
    record batches, not the thousands of small chunks the ingested files were concatenated from)."""
    with tempfile.TemporaryDirectory(prefix="sft-bench-") as home:
        store = Store(home)
        store.replace_table("examples", table)
        return store.query("SELECT * FROM examples")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="start the workers inside the timed part")
    args = parser.parse_args()
    if not SHARED_DATA.is_dir():
        raise SystemExit(f"{SHARED_DATA} is absent: this benchmark needs the realistic data")
    config = CurationConfig(sources=[{"name": "bench", "path": "bench"}])
    pool = WorkerPool(args.workers, warm_ups=(clean_warm_up, partial(filter_warm_up, config.tokens.encoding)))
    if not args.cold:
        pool.start(args.records)
    table = as_the_asset_reads(realistic_table(args.records))
    mib = sum(len(m) for m in table.column("messages").to_pylist()) / 2**20
    with pool:
        start = time.perf_counter()
        cleaned = merge(pool.map_row_stage(clean_table, table, CLEAN_COLUMNS, config.clean))
        middle = time.perf_counter()
        filtered = merge(pool.map_row_stage(filter_table, cleaned.kept, FILTER_COLUMNS, config.filter,
                                            config.tokens.encoding))
        end = time.perf_counter()
    elapsed = end - start
    print(f"machine: {describe()}")
    print(f"input: {table.num_rows} records ({mib:.0f} MiB of message JSON) from {len(FILES) + 1} real datasets")
    print(f"clean {middle - start:.1f} s ({table.num_rows / (middle - start):,.0f} records/s), "
          f"filter {end - middle:.1f} s ({cleaned.kept.num_rows / (end - middle):,.0f} records/s)")
    started = "started inside the timed part" if args.cold else "started while the input was read"
    print(f"clean + filter on {args.workers} workers ({started}): {elapsed:.1f} s = "
          f"{table.num_rows / elapsed:,.0f} records/s (moving rows between processes included)")
    print(f"kept {filtered.kept.num_rows}; modified {sum(v for k, v in cleaned.counts.items() if k.startswith('modified'))}; "
          f"dropped {sum(v for k, v in filtered.counts.items() if k.startswith('dropped'))}")


if __name__ == "__main__":
    main()
