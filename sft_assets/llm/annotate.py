"""Judge scores and labels for every curated example: from the model (through the ledger) when one is
configured, else from the heuristics; answers the model could not give usefully (malformed after repairs,
cut off by length, refused) become quarantine rows with a reason, never a default score."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import orjson
import pyarrow as pa

from sft_assets.llm.ledger import Ledger
from sft_assets.llm.request import LlmRequest
from sft_assets.llm.runner import RunResult, estimate, run_requests
from sft_assets.llm.settings import LlmConfig
from sft_assets.llm.tasks import judge, labels
from sft_assets.llm.tasks.common import unusable

ANNOTATIONS_SCHEMA = pa.schema([
    ("example_id", pa.string()), ("task_type", pa.string()), ("domain", pa.string()), ("language", pa.string()),
    ("refusal", pa.bool_()), ("labels_by", pa.string()),
    ("judge_harmless", pa.int64()), ("judge_honest", pa.int64()), ("judge_helpful", pa.int64()),
    ("judge_overall", pa.int64()), ("judge_rationale", pa.string()), ("judged_by", pa.string()),
    ("llm_status", pa.string()),  # complete | pending (budget reached) | failed (see llm_quarantine)
])
QUARANTINE_SCHEMA = pa.schema([("example_id", pa.string()), ("task", pa.string()), ("reason", pa.string()),
                               ("detail", pa.string())])


@dataclass
class Annotated:
    table: pa.Table
    quarantine: pa.Table
    runs: dict[str, RunResult] = field(default_factory=dict)
    heuristic_tasks: list[str] = field(default_factory=list)


def requests_for(rows: list[dict], config: LlmConfig) -> dict[str, list[LlmRequest]]:
    """Per task, one request per example (only tasks that are on, only with a model)."""
    if not config.configured:
        return {}
    tasks = {}
    if config.judge.enabled:
        tasks["judge"] = [judge.TASK.request(config.model, r["example_id"], orjson.loads(r["messages"])) for r in rows]
    if config.labels.enabled:
        tasks["labels"] = [labels.TASK.request(config.model, r["example_id"], orjson.loads(r["messages"])) for r in rows]
    return tasks


def estimate_cost(rows: list[dict], config: LlmConfig, ledger: Ledger) -> dict[str, tuple[int, int, float]]:
    """Per task: (requests, tokens, dollars) not yet in the ledger."""
    out = {}
    for task, requests in requests_for(rows, config).items():
        cached = ledger.answers([r.key for r in requests])
        out[task] = estimate(config, [r for r in requests if r.key not in cached])
    return out


def annotate(rows: list[dict], languages: list[str], config: LlmConfig, ledger: Ledger, api_key: str,
             run_id: str) -> Annotated:
    """`rows` carry example_id, messages, flags and is_refusal; `languages` the user language per row."""
    result = Annotated(pa.table({}), pa.table({}))
    answers: dict[str, dict[str, object]] = {}
    quarantined: list[dict] = []
    status: Counter = Counter()
    for task, requests in requests_for(rows, config).items():
        spec = judge.TASK if task == "judge" else labels.TASK
        run = run_requests(requests, config, ledger, api_key, run_id, spec.validate)
        result.runs[task] = run
        pending = {r.key for r in run.pending}
        failed = {r.key: reason for r, reason in run.failed}
        for request in requests:
            if request.key in pending:
                status[(request.example_id, "pending")] += 1
                continue
            if request.key in failed:
                quarantined.append({"example_id": request.example_id, "task": task, "reason": "call_failed",
                                    "detail": failed[request.key]})
                status[(request.example_id, "failed")] += 1
                continue
            answer = run.answers[request.key]
            reason = unusable(answer.finish_reason)
            parsed, problem = (None, None) if reason else spec.parse(answer.content)
            if parsed is None:
                quarantined.append({"example_id": request.example_id, "task": task,
                                    "reason": reason or "malformed_output", "detail": problem or answer.finish_reason})
                status[(request.example_id, "failed")] += 1
                continue
            answers.setdefault(request.example_id, {})[task] = parsed
    result.heuristic_tasks = [t for t, on in (("judge", config.judge.enabled), ("labels", config.labels.enabled))
                              if on and not config.configured]
    out = []
    for row, language in zip(rows, languages, strict=True):
        example_id = row["example_id"]
        messages = orjson.loads(row["messages"])
        flags = orjson.loads(row["flags"]) if row.get("flags") else []
        got = answers.get(example_id, {})
        label = got.get("labels") or (labels.heuristic(messages, language, bool(row.get("is_refusal")))
                                      if config.labels.enabled and not config.configured else None)
        score = got.get("judge") or (judge.heuristic(messages, flags, bool(row.get("is_refusal")))
                                     if config.judge.enabled and not config.configured else None)
        state = "failed" if status[(example_id, "failed")] else "pending" if status[(example_id, "pending")] else "complete"
        out.append({
            "example_id": example_id,
            "task_type": label.task_type if label else None, "domain": label.domain if label else None,
            "language": label.language if label else language, "refusal": label.refusal if label else None,
            "labels_by": ("model" if "labels" in got else "heuristic") if label else None,
            "judge_harmless": score.harmless if score else None, "judge_honest": score.honest if score else None,
            "judge_helpful": score.helpful if score else None, "judge_overall": score.overall if score else None,
            "judge_rationale": score.rationale if score else None,
            "judged_by": ("model" if "judge" in got else "heuristic") if score else None,
            "llm_status": state,
        })
    result.table = pa.Table.from_pylist(out, schema=ANNOTATIONS_SCHEMA)
    result.quarantine = pa.Table.from_pylist(quarantined, schema=QUARANTINE_SCHEMA)
    return result
