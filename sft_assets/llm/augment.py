"""Generate new examples (opt-in, capped per method) as rows of the `examples` schema with origin and
parent id, so they enter cleaning, filtering, dedup and decontamination beside the ingested ones.

Parents are chosen in a fixed pseudo-random order (a hash of the example id), so a rerun asks the same
requests and the ledger answers them for free. Without a model, the methods that need one are skipped and
the document methods use templates; the result says which."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
import pyarrow as pa

from sft_assets.core.records import canonical_json, example_id_for
from sft_assets.llm.annotate import QUARANTINE_SCHEMA
from sft_assets.llm.ledger import Ledger
from sft_assets.llm.request import LlmRequest
from sft_assets.llm.runner import RunResult, run_requests
from sft_assets.llm.settings import LlmConfig
from sft_assets.llm.tasks.augment import (
    DOC_DIALOGUE,
    INSTRUCTION_BACKTRANSLATION,
    PARAPHRASE,
    SELF_INSTRUCT,
    TRANSLATE,
)
from sft_assets.llm.tasks.common import Task, unusable

ORIGIN = {"paraphrase": "augmented", "back_translation": "augmented", "self_instruct": "synthetic",
          "instruction_backtranslation": "synthetic", "doc_dialogue": "synthetic"}
NEEDS_MODEL = ("paraphrase", "back_translation", "self_instruct")
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Synthesized:
    rows: list[dict] = field(default_factory=list)  # rows of the examples schema
    quarantine: list[dict] = field(default_factory=list)  # example_id = parent id, task, reason, detail
    runs: dict[str, RunResult] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # method -> how it ran (model, heuristic, skipped)


@dataclass(frozen=True)
class Parent:
    example_id: str
    messages: list[dict]


def _order(example_id: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{example_id}".encode()).hexdigest()


def single_turn_parents(examples: pa.Table, salt: str) -> list[Parent]:
    """Single-turn user/assistant examples in a fixed pseudo-random order."""
    out = []
    for example_id, messages in zip(examples.column("example_id").to_pylist(), examples.column("messages").to_pylist(),
                                    strict=True):
        turns = orjson.loads(messages)
        if [t["role"] for t in turns] == ["user", "assistant"] and all((t.get("content") or "").strip() for t in turns):
            out.append(Parent(example_id, turns))
    return sorted(out, key=lambda p: _order(p.example_id, salt))


def chunks(documents: dict[str, str], size: int) -> list[tuple[str, str]]:
    """(chunk id "file#n", text) at paragraph ends, each at most about `size` characters."""
    out = []
    for name, text in sorted(documents.items()):
        current, n = "", 0
        for paragraph in [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]:
            if current and len(current) + len(paragraph) > size:
                n += 1
                out.append((f"{name}#{n}", current))
                current = ""
            current = f"{current}\n\n{paragraph}" if current else paragraph
        if current:
            out.append((f"{name}#{n + 1}", current))
    return out


def _row(messages: list[dict], method: str, parent_id: str, index: int, by: str) -> dict:
    return {"example_id": example_id_for(messages), "source": f"augment:{method}", "file": by,
            "locator": f"{method} of {parent_id}", "record_index": index, "source_format": "generated",
            "origin": ORIGIN[method], "parent_id": parent_id, "category": None, "n_messages": len(messages),
            "messages": canonical_json(messages), "tools": None,
            "meta": canonical_json({"method": method, "by": by})}


class _Asker:
    """Runs one task's requests through the ledger and hands back parsed values per request."""

    def __init__(self, config: LlmConfig, ledger: Ledger, api_key: str, run_id: str, out: Synthesized) -> None:
        self.config, self.ledger, self.api_key, self.run_id, self.out = config, ledger, api_key, run_id, out

    def ask(self, task: Task, items: list[tuple[str, list[dict]]]) -> dict[str, object]:
        """items: (id, messages); returns id -> parsed value for the usable answers."""
        requests = [task.request(self.config.model, item_id, messages) for item_id, messages in items]
        run = run_requests(requests, self.config, self.ledger, self.api_key, self.run_id, task.validate)
        previous = self.out.runs.get(task.name)
        self.out.runs[task.name] = run if previous is None else _merged(previous, run)
        failed = {r.key: reason for r, reason in run.failed}
        pending = {r.key for r in run.pending}
        values = {}
        for request in requests:
            if request.key in pending:
                continue
            if request.key in failed:
                self._quarantine(request, "call_failed", failed[request.key])
                continue
            answer = run.answers[request.key]
            reason = unusable(answer.finish_reason)
            value, problem = (None, None) if reason else task.parse(answer.content)
            if value is None:
                self._quarantine(request, reason or "malformed_output", problem or answer.finish_reason)
            else:
                values[request.example_id] = value
        return values

    def _quarantine(self, request: LlmRequest, reason: str, detail: str) -> None:
        self.out.quarantine.append({"example_id": request.example_id, "task": request.task, "reason": reason,
                                    "detail": detail})


def _merged(a: RunResult, b: RunResult) -> RunResult:
    return RunResult({**a.answers, **b.answers}, a.pending + b.pending, a.failed + b.failed, a.cache_hits + b.cache_hits,
                     a.calls + b.calls, a.cost_usd + b.cost_usd, a.tokens + b.tokens, a.submitted + b.submitted)


def synthesize(examples: pa.Table, documents: dict[str, str], config: LlmConfig, ledger: Ledger, api_key: str,
               run_id: str) -> Synthesized:
    out = Synthesized()
    settings = config.augment
    asker = _Asker(config, ledger, api_key, run_id, out)
    by = f"llm:{config.model}" if config.configured else "heuristic"
    methods: dict[str, Callable[[int], None]] = {
        "paraphrase": lambda cap: _paraphrase(examples, cap, asker, out, by),
        "back_translation": lambda cap: _back_translation(examples, cap, asker, out, by),
        "self_instruct": lambda cap: _self_instruct(examples, cap, asker, out, by),
        "instruction_backtranslation": lambda cap: _from_documents(
            "instruction_backtranslation", chunks(documents, settings.chunk_chars)[:cap], config, asker, out, by),
        "doc_dialogue": lambda cap: _from_documents(
            "doc_dialogue", chunks(documents, settings.chunk_chars)[:cap], config, asker, out, by),
    }
    for method, generate in methods.items():
        method_settings = getattr(settings, method)
        if not method_settings.enabled or method_settings.max_new == 0:
            continue
        if method in NEEDS_MODEL and not config.configured:
            out.notes[method] = "skipped: needs llm.model"
            continue
        before = len(out.rows)
        generate(method_settings.max_new)
        kind = "model" if config.configured else "heuristic template"
        out.notes[method] = f"{len(out.rows) - before} generated ({kind})"
    return out


def _paraphrase(examples: pa.Table, cap: int, asker: _Asker, out: Synthesized, by: str) -> None:
    parents = single_turn_parents(examples, "paraphrase")[:cap]
    values = asker.ask(PARAPHRASE, [(p.example_id, p.messages) for p in parents])
    for i, p in enumerate(parents):
        if p.example_id in values:
            user = values[p.example_id]["user"]
            out.rows.append(_row([{"role": "user", "content": user}, p.messages[1]], "paraphrase", p.example_id, i, by))


def _back_translation(examples: pa.Table, cap: int, asker: _Asker, out: Synthesized, by: str) -> None:
    parents = single_turn_parents(examples, "back_translation")[:cap]
    language = {p.example_id: "zh" if CJK.search(p.messages[0]["content"]) else "en" for p in parents}
    there: dict[str, object] = {}
    for target in ("en", "zh"):  # first leg: into the other language
        group = [(p.example_id, p.messages[:1]) for p in parents if language[p.example_id] != target]
        there.update(asker.ask(TRANSLATE[target], group) if group else {})
    back: dict[str, object] = {}
    for target in ("en", "zh"):  # second leg: back into the original language
        group = [(p.example_id, [{"role": "user", "content": there[p.example_id]["text"]}])
                 for p in parents if language[p.example_id] == target and p.example_id in there]
        back.update(asker.ask(TRANSLATE[target], group) if group else {})
    for i, p in enumerate(parents):
        if p.example_id in back:
            user = back[p.example_id]["text"]
            out.rows.append(_row([{"role": "user", "content": user}, p.messages[1]], "back_translation", p.example_id, i, by))


def _self_instruct(examples: pa.Table, cap: int, asker: _Asker, out: Synthesized, by: str) -> None:
    pool = single_turn_parents(examples, "self_instruct")
    if len(pool) < 3:
        return
    items, seeds_of = [], {}
    step = max(1, len(pool) // 3)  # seed sets differ for every k below len(pool)
    for k in range(min(cap, len(pool))):
        seeds = [pool[(k + j * step) % len(pool)] for j in range(3)]
        item_id = f"seeds:{'+'.join(s.example_id for s in seeds)}"
        seeds_of[item_id] = seeds
        items.append((item_id, [turn for s in seeds for turn in s.messages]))
    values = asker.ask(SELF_INSTRUCT, items)
    for i, (item_id, _) in enumerate(items):
        if item_id in values:
            v = values[item_id]
            messages = [{"role": "user", "content": v["user"]}, {"role": "assistant", "content": v["assistant"]}]
            out.rows.append(_row(messages, "self_instruct", seeds_of[item_id][0].example_id, i, by))


def _from_documents(method: str, parts: list[tuple[str, str]], config: LlmConfig, asker: _Asker, out: Synthesized,
                    by: str) -> None:
    if config.configured:
        task = INSTRUCTION_BACKTRANSLATION if method == "instruction_backtranslation" else DOC_DIALOGUE
        values = asker.ask(task, [(chunk_id, [{"role": "user", "content": text}]) for chunk_id, text in parts])
    else:
        values = {chunk_id: _template(method, text) for chunk_id, text in parts}
    for i, (chunk_id, text) in enumerate(parts):
        value = values.get(chunk_id)
        if value is None:
            continue
        if method == "instruction_backtranslation":
            messages = [{"role": "user", "content": value["instruction"]}, {"role": "assistant", "content": text}]
        else:
            messages = value
        out.rows.append(_row(messages, method, f"doc:{chunk_id}", i, by))


def _template(method: str, text: str):
    """Without a model: a request built from the chunk's heading or first sentence."""
    first = text.strip().splitlines()[0].lstrip("# ").strip()
    topic = re.split(r"(?<=[.!?。！？])", first)[0].rstrip(".!?。！？")[:80]
    chinese = bool(CJK.search(text))
    if method == "instruction_backtranslation":
        return {"instruction": f"请写一段关于“{topic}”的介绍。" if chinese else f"Write a short passage about {topic}."}
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    turns = [{"role": "user", "content": f"介绍一下“{topic}”。" if chinese else f"Tell me about {topic}."},
             {"role": "assistant", "content": paragraphs[0]}]
    if len(paragraphs) > 1:
        turns += [{"role": "user", "content": "还有呢？" if chinese else "What else should I know?"},
                  {"role": "assistant", "content": "\n\n".join(paragraphs[1:])}]
    return turns


def quarantine_table(out: Synthesized) -> pa.Table:
    return pa.Table.from_pylist(out.quarantine, schema=QUARANTINE_SCHEMA)
