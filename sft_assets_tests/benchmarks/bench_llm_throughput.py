"""Sustained LLM throughput against the local fake server: 200 ms latency per answer and a server-side
request-per-minute limit (it answers 429 above it). The client is configured with the same limit; the
figure is answered requests per minute as a share of the limit, and every row must come back.

Run: `uv run --frozen python -m sft_assets_tests.benchmarks.bench_llm_throughput [--rpm 600] [--requests 300]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import orjson

from sft_assets.core.store import Store
from sft_assets.llm.annotate import annotate
from sft_assets.llm.ledger import Ledger
from sft_assets.llm.settings import LlmConfig
from sft_assets_tests.benchmarks.machine import describe
from sft_assets_tests.fake_llm_server import control, running, stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rpm", type=int, default=600)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    rows = [{"example_id": f"b{i:05d}", "flags": None, "is_refusal": False,
             "messages": orjson.dumps([{"role": "user", "content": f"Question {i}?"},
                                       {"role": "assistant", "content": f"Answer {i}."}]).decode()}
            for i in range(args.requests)]
    config = LlmConfig(model="fake-1", requests_per_minute=args.rpm, max_concurrency=16, labels={"enabled": False})
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp)) as server:
        control(server, latency=args.latency, rpm=args.rpm)
        config = config.model_copy(update={"base_url": f"{server}/v1"})
        start = time.monotonic()
        result = annotate(rows, ["en"] * len(rows), config, Ledger(Store(Path(tmp) / "home")), "sk-bench", "bench")
        elapsed = time.monotonic() - start
        served = stats(server)
    complete = result.table.column("llm_status").to_pylist().count("complete")
    rate = complete / elapsed * 60
    print(describe())
    print(f"{complete}/{len(rows)} rows complete (lost: {len(rows) - complete}), {served['statuses'].count(429)} answers were 429")
    print(f"{elapsed:.1f} s: {rate:,.0f} requests/min = {rate / args.rpm:.1%} of the {args.rpm} RPM limit "
          f"at {args.latency * 1000:.0f} ms latency")


if __name__ == "__main__":
    main()
