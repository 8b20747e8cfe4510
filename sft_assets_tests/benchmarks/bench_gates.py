"""Time of the three blocking gates on curated (format, balance, duplication) at 1M rows.

A DuckDB home with a 1M-row `curated` table shaped like the real one (short conversations, labels, hashes)
is built in a temporary folder; each check function is invoked as Dagster would, with its resources.

Run: `uv run --frozen python -m sft_assets_tests.benchmarks.bench_gates [--rows 1000000]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sft_assets.core.store import Store
from sft_assets.defs.curate.checks import curated_balance_gate, curated_duplication_gate, curated_format_gate
from sft_assets.defs.resources import CurationConfigResource, StoreResource
from sft_assets_tests.benchmarks.machine import describe

CURATED = """
CREATE TABLE curated AS
SELECT printf('%016x', i) AS example_id, 's' || (i % 7) AS source, 'f' AS file, 'line ' || i AS locator,
       i AS record_index, 'openai' AS source_format, CASE WHEN i % 10 = 0 THEN 'augmented' ELSE 'human' END AS origin,
       NULL::VARCHAR AS parent_id, NULL::VARCHAR AS category, 2 AS n_messages,
       '[{"role":"user","content":"Question ' || i || '?"},{"role":"assistant","content":"Answer ' || i || '."}]' AS messages,
       NULL::VARCHAR AS tools, NULL::VARCHAR AS meta, NULL::VARCHAR AS flags, i % 50 = 0 AS is_refusal,
       md5(i::VARCHAR) AS norm_hash,
       (['open_qa','code','writing','math','translation','summarization'])[1 + i % 6] AS task_type,
       'general' AS domain, (['en','zh'])[1 + i % 2] AS language, i % 50 = 0 AS refusal, 'heuristic' AS labels_by,
       4 AS judge_harmless, 4 AS judge_honest, 4 AS judge_helpful, 4 AS judge_overall, '' AS judge_rationale,
       'heuristic' AS judged_by, 'complete' AS llm_status, 1 AS n_user, 1 AS n_assistant, 'user' AS first_role,
       'assistant' AS last_role, 20 AS n_tokens, 8 AS assistant_tokens, 0 AS cookbook_errors
FROM range(ROWS) t(i)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        store.execute(CURATED.replace("ROWS", str(args.rows)))
        resources = {"curation": CurationConfigResource(), "store": StoreResource(home=tmp)}
        print(describe())
        total = 0.0
        for name, check in (("curated_format_gate", curated_format_gate), ("curated_balance_gate", curated_balance_gate),
                            ("curated_duplication_gate", curated_duplication_gate)):
            start = time.perf_counter()
            result = check(**resources)
            elapsed = time.perf_counter() - start
            total += elapsed
            print(f"{name:<26} {elapsed:6.2f} s  passed={result.passed}")
        print(f"all gates on {args.rows:,} rows: {total:.2f} s")


if __name__ == "__main__":
    main()
