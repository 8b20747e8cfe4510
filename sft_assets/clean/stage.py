"""The cleaning stage over a table of examples: cleaned rows, dropped rows, and the decision events."""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa

from sft_assets.clean.conversation import Cleaner, clean_conversation
from sft_assets.clean.prescan import clean_gates, open_steps
from sft_assets.clean.settings import CleanConfig
from sft_assets.core.records import canonical_json_bytes
from sft_assets.rowstage.result import StageResult

CLEAN_COLUMNS = ["example_id", "source", "file", "locator", "messages"]  # what clean_table reads


def clean_table(table: pa.Table, config: CleanConfig, prescan: bool = True) -> StageResult:
    """Clean every example; rows whose PII policy says drop leave the table, everything else stays.

    With `prescan`, rows that no step could touch are passed through without being parsed, and the others
    run only the steps that could touch them (prescan.py); the outcome is identical.
    """
    cleaner = Cleaner.from_config(config)
    result = StageResult(source=table)
    gates = clean_gates(table, config) if prescan else np.ones(table.num_rows, dtype=bool)
    keep = np.ones(table.num_rows, dtype=bool)
    changed: list[int] = []
    new_messages: list[str] = []
    candidates = np.nonzero(gates)[0]
    rows = table.take(pa.array(candidates, pa.int64())).select(["example_id", "source", "file", "locator", "messages"])
    rows = rows.to_pylist()
    conversations = [orjson.loads(row["messages"]) for row in rows]
    steps = open_steps(conversations, config) if prescan else [None] * len(rows)
    for position, row, conversation, row_steps in zip(candidates, rows, conversations, steps, strict=True):
        if row_steps is not None and not any(row_steps):
            continue
        outcome = clean_conversation(conversation, cleaner, row_steps)
        for rule, (before, after) in outcome.changes.items():
            result.record(row, "modified", rule, str(before), None, f"{before} -> {after} chars")
        result.extra.update(outcome.pii)
        for flag in outcome.flags:
            result.record(row, "flagged", flag, str(outcome.pii[flag.removeprefix("pii_")]), None,
                          "personal data or a secret was found (value not logged)")
        if outcome.drop:
            kind = outcome.drop.removeprefix("pii_")
            result.record(row, "dropped", outcome.drop, str(outcome.pii[kind]), None,
                          "personal data or a secret was found (value not logged)")
            keep[position] = False
        elif outcome.changes:
            changed.append(position)
            new_messages.append(canonical_json_bytes(outcome.messages).decode())
    if changed:
        result.replaced["messages"] = (np.asarray(changed, dtype=np.int64), pa.array(new_messages, pa.string()))
    result.kept_rows = np.flatnonzero(keep)
    return result


# One conversation that sets off every cleaning step: cleaning it once loads every parser and detector.
WARM_UP_MESSAGES = [
    {"role": "system", "content": "You are helpful.  \n\n\n\n"},
    {"role": "user", "content": "Summarize this\n\nN/A"},
    {"role": "assistant", "content": (
        "<p>Caf\u00c3\u00a9 &amp; co</p>\nFollow us on Twitter\ncall +1 415-555-2671 or 13812345678, mail "
        "a.b@example.com, ip 10.0.0.1, card 4111 1111 1111 1111, api_key = 'aZ3kP9qR2sT7vW1xY4zB6cD8eF0gH5'\x07\n"
        "```python\nprint(1)\n```")},
]


def warm_up() -> None:
    """Load what clean_table uses (ftfy, the HTML parser, RE2 sets, phone and secret detectors)."""
    clean_conversation([dict(m) for m in WARM_UP_MESSAGES], Cleaner.from_config(CleanConfig()))
