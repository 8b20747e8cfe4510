"""Near-dedup throughput on generated records (100K and 1M), beside plain per-document datasketch.

Run: `uv run --frozen python -m sft_assets_tests.benchmarks.bench_near_dedup [--sizes 100000 1000000]`.
Ours: `near_dedup` (shingling and `MinHash.bulk` signatures on a 2-process pool, numpy LSH banding,
Jaccard verification, union-find). Baseline: one `MinHash()` per document fed with `update()` per
shingle, then `MinHashLSH.insert` and `query` (one process), run on the first `--baseline` records and
reported per record. Memory is the process's peak resident set size divided by the record count, in all
and above what the process held before the input was built (input table included). Worker processes are
not counted; they hold one chunk at a time.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import orjson
import pyarrow as pa

from sft_assets.rowstage.pool import WorkerPool
from sft_assets.dedup.near import near_dedup
from sft_assets.dedup.settings import NearDedupConfig
from sft_assets.dedup.shingles import normalize, shingles
from sft_assets_tests.benchmarks.gen_data import english_text
from sft_assets_tests.benchmarks.machine import describe


def records(n: int, seed: int = 11) -> pa.Table:
    """n chat records; every 10th is a near-copy (one word changed) of the record before it."""
    rng = random.Random(seed)
    messages, previous = [], ""
    for i in range(n):
        if i % 10 == 9:
            words = previous.split()
            words[rng.randrange(len(words))] = "changed"
            text = " ".join(words)
        else:
            text = english_text(rng, rng.randint(30, 60))
        previous = text
        messages.append(orjson.dumps([{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}]).decode())
    return pa.table({"example_id": [f"r{i:08d}" for i in range(n)], "source": ["b"] * n, "file": ["b"] * n,
                     "locator": [str(i) for i in range(n)], "messages": messages})


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def current_rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def baseline(table: pa.Table, config: NearDedupConfig) -> float:
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm)
    for example_id, m in zip(table.column("example_id").to_pylist(), table.column("messages").to_pylist(), strict=True):
        text = normalize(orjson.loads(m)[0]["content"])
        mh = MinHash(num_perm=config.num_perm)
        for s in shingles(text, config.ngram_words, config.ngram_chars):
            mh.update(s)
        lsh.query(mh)
        lsh.insert(example_id, mh)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--baseline", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    config = NearDedupConfig(text="user")
    print(f"machine: {describe()}")
    base_table = records(args.baseline)
    base_seconds = baseline(base_table, config)
    base_rate = args.baseline / base_seconds
    print(f"baseline (MinHash.update + MinHashLSH, 1 process) on {args.baseline} records: {base_seconds:.1f} s "
          f"= {base_rate:,.0f} records/s")
    for n in args.sizes:
        before = current_rss_bytes()  # interpreter and libraries, not attributable to records
        table = records(n)
        start = time.perf_counter()
        with WorkerPool(args.workers) as pool:
            result = near_dedup(table, config, {}, pool)
        seconds = time.perf_counter() - start
        planted = n // 10
        print(f"sft-assets near_dedup on {n} records: {seconds:.1f} s = {n / seconds:,.0f} records/s "
              f"({n / seconds / base_rate:.1f}x the baseline rate); dropped {len(result.dropped)} "
              f"(planted near-copies: {planted}); peak RSS {peak_rss_bytes() / n:,.0f} bytes/record in all, "
              f"{(peak_rss_bytes() - before) / n:,.0f} bytes/record above the process's size before the input existed")


if __name__ == "__main__":
    main()
