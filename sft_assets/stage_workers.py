"""What a worker process loads before the clean and filter stages send it rows.

Started with parallel.start_workers while the stage reads its input, so that neither the first clean chunk
nor the first filter chunk pays for imports, the language model, the tokenizer or loading compiled kernels
(about 1.5 s per process).
"""

from __future__ import annotations

import orjson
import pyarrow as pa

# One conversation that sets off every cleaning step and every filter gate.
_MESSAGES = [
    {"role": "system", "content": "You are helpful.  \n\n\n\n"},
    {"role": "user", "content": "Summarize https://example.com/a.png and draw an image; write python code for it\n\nN/A"},
    {"role": "assistant", "content": (
        "<p>Caf\u00c3\u00a9 &amp; co</p>\nFollow us on Twitter\ncall +1 415-555-2671 or 13812345678, mail "
        "a.b@example.com, ip 10.0.0.1, card 4111 1111 1111 1111, api_key = 'aZ3kP9qR2sT7vW1xY4zB6cD8eF0gH5'\x07\n"
        "```python\nprint(1)\n```\nAs an AI I cannot {{name}} [INSERT date] repeat repeat repeat repeat repeat")},
]


def prepare_row_stages(encoding_name: str) -> None:
    """Import and load everything clean_table and filter_table use."""
    from sft_assets.clean.conversation import Cleaner, clean_conversation
    from sft_assets.config import CleanConfig
    from sft_assets.filter.apply import build_rules
    from sft_assets.filter.gates import FilterBatch, rule_gates
    from sft_assets.filter.langid_batch import decide_many
    from sft_assets.filter.settings import FilterConfig
    from sft_assets.quality.tokens import token_counter

    clean_conversation([dict(m) for m in _MESSAGES], Cleaner.from_config(CleanConfig()))
    rule_gates(FilterBatch(pa.array([orjson.dumps(_MESSAGES).decode()])), build_rules(FilterConfig()))
    decide_many(["Der Himmel ist heute sehr blau und die Sonne scheint."], 0.9)
    token_counter(encoding_name)("warm")
