"""Batch mode: requests the ledger does not hold go to the provider's batch API instead of being sent one
by one. Shards hold at most 50,000 requests or 200 MB; each line's custom_id is the request's hash; batch
ids live in DuckDB (`llm_batches`). Polling (at the start of every LLM step, and by the
`llm_batches_sensor`) ingests finished output into the ledger and error lines into `llm_batch_errors`;
a request a finished batch did not answer (expired, failed) is simply submitted again, alone, next time."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import pyarrow as pa

from sft_assets.core.store import Store
from sft_assets.llm.ledger import Answer, Ledger
from sft_assets.llm.request import LlmRequest
from sft_assets.llm.settings import LlmConfig

BATCHES_TABLE = "llm_batches"
ERRORS_TABLE = "llm_batch_errors"
MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024
OPEN = ("validating", "in_progress", "finalizing", "cancelling")
BATCHES_SCHEMA = pa.schema([("batch_id", pa.string()), ("task", pa.string()), ("status", pa.string()),
                            ("requests", pa.int64()), ("request_keys", pa.string()), ("run_id", pa.string()),
                            ("submitted_at", pa.string()), ("ingested", pa.bool_())])
ERRORS_SCHEMA = pa.schema([("batch_id", pa.string()), ("request_key", pa.string()), ("code", pa.string()),
                           ("message", pa.string())])


@dataclass
class PollResult:
    still_open: int = 0
    finished: int = 0
    answers: int = 0
    errors: int = 0


def _client(config: LlmConfig, api_key: str):
    from openai import OpenAI

    return OpenAI(api_key=api_key or "unset", base_url=config.base_url, timeout=config.timeout_seconds, max_retries=3)


def line(request: LlmRequest) -> bytes:
    return orjson.dumps({"custom_id": request.key, "method": "POST", "url": "/v1/chat/completions",
                         "body": request.body()}) + b"\n"


def shards(requests: list[LlmRequest], max_requests: int = MAX_REQUESTS, max_bytes: int = MAX_BYTES) -> list[list[bytes]]:
    out: list[list[bytes]] = []
    size = 0
    for request in requests:
        encoded = line(request)
        if not out or len(out[-1]) >= max_requests or size + len(encoded) > max_bytes:
            out.append([])
            size = 0
        out[-1].append(encoded)
        size += len(encoded)
    return out


def _batches(store: Store) -> list[dict]:
    return store.query(f"SELECT * FROM {BATCHES_TABLE}").to_pylist() if store.has_table(BATCHES_TABLE) else []


def keys_in_flight(store: Store) -> set[str]:
    return {k for b in _batches(store) if not b["ingested"] for k in orjson.loads(b["request_keys"])}


def submit(requests: list[LlmRequest], config: LlmConfig, store: Store, api_key: str, run_id: str) -> list[str]:
    """Submit the requests not already in a batch that is still open; returns the new batch ids."""
    flying = keys_in_flight(store)
    todo = [r for r in requests if r.key not in flying]
    if not todo:
        return []
    client = _client(config, api_key)
    ids, rows = [], []
    by_key = {r.key: r for r in todo}
    for shard in shards(todo):
        upload = client.files.create(file=("requests.jsonl", io.BytesIO(b"".join(shard))), purpose="batch")
        batch = client.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h")
        keys = [orjson.loads(x)["custom_id"] for x in shard]
        ids.append(batch.id)
        rows.append({"batch_id": batch.id, "task": by_key[keys[0]].task, "status": batch.status, "requests": len(keys),
                     "request_keys": orjson.dumps(keys).decode(), "run_id": run_id,
                     "submitted_at": datetime.now(UTC).isoformat(timespec="seconds"), "ingested": False})
    store.append_table(BATCHES_TABLE, pa.Table.from_pylist(rows, schema=BATCHES_SCHEMA))
    return ids


def poll(config: LlmConfig, store: Store, api_key: str, run_id: str, requests: dict[str, LlmRequest]) -> PollResult:
    """Check every batch not yet ingested; ingest the finished ones. `requests` (key -> request) names the
    answers' task and example (a batch line only carries its key)."""
    result = PollResult()
    pending = [b for b in _batches(store) if not b["ingested"]]
    if not pending:
        return result
    client = _client(config, api_key)
    ledger = Ledger(store)
    for row in pending:
        batch = client.batches.retrieve(row["batch_id"])
        if batch.status in OPEN:
            result.still_open += 1
            store.execute(f"UPDATE {BATCHES_TABLE} SET status = ? WHERE batch_id = ?", [batch.status, row["batch_id"]])
            continue
        answers, errors = [], []
        if batch.output_file_id:
            for raw in client.files.content(batch.output_file_id).content.splitlines():
                answer, error = _parse_output(orjson.loads(raw), config, requests, run_id)
                (answers if answer else errors).append(answer or {**error, "batch_id": row["batch_id"]})
        if batch.error_file_id:
            for raw in client.files.content(batch.error_file_id).content.splitlines():
                item = orjson.loads(raw)
                error = (item.get("error") or (item.get("response") or {}).get("body", {}).get("error") or {})
                errors.append({"batch_id": row["batch_id"], "request_key": item.get("custom_id"),
                               "code": str(error.get("code") or ""), "message": str(error.get("message") or "")[:500]})
        ledger.record([a for a in answers if a is not None])
        if errors:
            store.append_table(ERRORS_TABLE, pa.Table.from_pylist(errors, schema=ERRORS_SCHEMA))
        store.execute(f"UPDATE {BATCHES_TABLE} SET status = ?, ingested = true WHERE batch_id = ?",
                      [batch.status, row["batch_id"]])
        result.finished += 1
        result.answers += len(answers)
        result.errors += len(errors)
    return result


def _parse_output(item: dict, config: LlmConfig, requests: dict[str, LlmRequest], run_id: str):
    from sft_assets.llm.runner import cost_of

    key = item.get("custom_id") or ""
    response = item.get("response") or {}
    request = requests.get(key)
    if response.get("status_code") != 200 or request is None:
        error = item.get("error") or response.get("body", {}).get("error") or {}
        reason = "unknown request" if request is None else str(error.get("message") or response.get("status_code"))
        return None, {"request_key": key, "code": str(error.get("code") or response.get("status_code") or ""),
                      "message": reason[:500]}
    body = response["body"]
    choice = body["choices"][0]
    usage = body.get("usage") or {}
    prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    cost = cost_of(config, prompt, completion) * config.batch_price_factor
    return Answer(key, request.task, request.example_id, request.model, request.template_version,
                  choice["message"].get("content") or "", choice.get("finish_reason") or "", prompt, completion,
                  cost, 1, run_id), None


def finished_batches(config: LlmConfig, store: Store, api_key: str) -> list[str]:
    """Ids of submitted batches not yet ingested that the provider reports finished (read-only here)."""
    if not store.db_path.exists() or not store.has_table(BATCHES_TABLE):
        return []
    waiting = [b["batch_id"] for b in store.query(f"SELECT batch_id FROM {BATCHES_TABLE} WHERE NOT ingested",
                                                  read_only=True).to_pylist()]
    if not waiting:
        return []
    client = _client(config, api_key)
    return sorted(i for i in waiting if client.batches.retrieve(i).status not in OPEN)
