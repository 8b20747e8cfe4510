"""The LLM ledger: every paid call's raw answer, tokens and cost, keyed by the request's hash. It is the
cache: a request whose key is in the ledger is never sent again. Only answers the server completed are
recorded; a transport failure leaves no row, so the next run asks again."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from sft_assets.core.store import Store

LEDGER_TABLE = "llm_ledger"
SCHEMA = pa.schema([
    ("request_key", pa.string()), ("task", pa.string()), ("example_id", pa.string()), ("model", pa.string()),
    ("template_version", pa.string()), ("content", pa.string()), ("finish_reason", pa.string()),
    ("prompt_tokens", pa.int64()), ("completion_tokens", pa.int64()), ("cost_usd", pa.float64()),
    ("attempts", pa.int64()), ("run_id", pa.string()),
])


@dataclass(frozen=True)
class Answer:
    request_key: str
    task: str
    example_id: str
    model: str
    template_version: str
    content: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    attempts: int
    run_id: str


class Ledger:
    def __init__(self, store: Store) -> None:
        self.store = store

    def answers(self, keys: list[str]) -> dict[str, Answer]:
        """Recorded answers for these request keys."""
        if not keys or not self.store.has_table(LEDGER_TABLE):
            return {}
        wanted = pa.table({"request_key": pa.array(sorted(set(keys)), pa.string())})
        with self.store.connect() as con:
            con.register("wanted", wanted)
            rows = con.execute(f"SELECT l.* FROM {LEDGER_TABLE} l JOIN wanted USING (request_key)").to_arrow_table()
        return {r["request_key"]: Answer(**{k: r[k] for k in SCHEMA.names}) for r in rows.to_pylist()}

    def ensure(self) -> None:
        """Create the (empty) ledger, so reports can read it before any call was made."""
        if not self.store.has_table(LEDGER_TABLE):
            self.store.replace_table(LEDGER_TABLE, SCHEMA.empty_table())

    def record(self, answers: list[Answer]) -> None:
        """Append finished calls (a key already present is left as it is)."""
        if not answers:
            return
        table = pa.Table.from_pylist([a.__dict__ for a in answers], schema=SCHEMA)
        self.ensure()
        with self.store.connect() as con:
            con.register("fresh", table)
            con.execute(f"INSERT INTO {LEDGER_TABLE} SELECT * FROM fresh WHERE request_key NOT IN "
                        f"(SELECT request_key FROM {LEDGER_TABLE})")
