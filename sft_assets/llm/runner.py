"""Run many LLM requests: ledger hits are never sent again; the rest go in waves of `max_concurrency`, and
each wave's answers are in the ledger before the next wave starts (a crash never pays twice). A budget in
dollars or tokens stops the run cleanly: what was answered is kept, the rest is pending."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from sft_assets.llm.client import CallFailed, Completion, LlmClient
from sft_assets.llm.ledger import Answer, Ledger
from sft_assets.llm.request import LlmRequest
from sft_assets.llm.settings import LlmConfig

REPAIR = ("Your reply was not the JSON object the schema asks for ({error}). Reply again with only that JSON "
          "object, nothing before or after it.")


class ReplayMiss(RuntimeError):
    """replay_only is on and some requests are not in the ledger."""


@dataclass
class RunResult:
    answers: dict[str, Answer] = field(default_factory=dict)  # request key -> answer (cached or new)
    pending: list[LlmRequest] = field(default_factory=list)  # not sent: the budget was reached
    failed: list[tuple[LlmRequest, str]] = field(default_factory=list)  # transport failures after retries
    cache_hits: int = 0
    calls: int = 0  # answers paid for in this run (repairs included)
    cost_usd: float = 0.0
    tokens: int = 0
    submitted: list[str] = field(default_factory=list)  # batch ids submitted by this run (batch mode)


def cost_of(config: LlmConfig, prompt_tokens: int, completion_tokens: int) -> float:
    return (prompt_tokens * config.usd_per_million_input + completion_tokens * config.usd_per_million_output) / 1e6


def estimate(config: LlmConfig, requests: list[LlmRequest]) -> tuple[int, int, float]:
    """(requests, tokens, dollars) these requests would cost at most (input estimate plus max_tokens)."""
    tokens_in = sum(r.estimated_input_tokens() for r in requests)
    tokens_out = sum(r.max_tokens for r in requests)
    return len(requests), tokens_in + tokens_out, cost_of(config, tokens_in, tokens_out)


def run_requests(requests: list[LlmRequest], config: LlmConfig, ledger: Ledger, api_key: str, run_id: str,
                 validate: Callable[[str], str | None]) -> RunResult:
    """`validate(content)` returns None for a usable answer, else what is wrong (for one repair turn)."""
    result = RunResult()
    unique = list({r.key: r for r in requests}.values())
    result.answers = ledger.answers([r.key for r in unique])
    result.cache_hits = len(result.answers)
    todo = [r for r in unique if r.key not in result.answers]
    if todo and config.replay_only:
        raise ReplayMiss(f"replay_only: {len(todo)} LLM requests are not in the ledger (first: {todo[0].task} "
                         f"for example {todo[0].example_id})")
    if todo and config.mode == "batch":
        from sft_assets.llm import batch

        batch.poll(config, ledger.store, api_key, run_id, {r.key: r for r in unique})
        result.answers = ledger.answers([r.key for r in unique])
        result.cache_hits = len(result.answers)
        todo = [r for r in unique if r.key not in result.answers]
        result.submitted = batch.submit(todo, config, ledger.store, api_key, run_id) if todo else []
        result.pending = todo  # answered by a later run, once the batch is done
    elif todo:
        asyncio.run(_run(todo, config, ledger, api_key, run_id, validate, result))
    return result


def _over_budget(config: LlmConfig, result: RunResult, request: LlmRequest) -> bool:
    _, tokens, dollars = estimate(config, [request])
    if config.budget_usd is not None and result.cost_usd + dollars > config.budget_usd:
        return True
    return config.budget_tokens is not None and result.tokens + tokens > config.budget_tokens


async def _run(todo: list[LlmRequest], config: LlmConfig, ledger: Ledger, api_key: str, run_id: str,
               validate: Callable[[str], str | None], result: RunResult) -> None:
    client = LlmClient(config, api_key)
    try:
        wave_size = config.max_concurrency * 4
        for start in range(0, len(todo), wave_size):
            wave = []
            for request in todo[start:start + wave_size]:
                if _over_budget(config, result, request) or result.pending:
                    result.pending.append(request)
                else:
                    wave.append(request)
                    _, tokens, dollars = estimate(config, [request])
                    result.cost_usd += dollars  # reserved at the estimate, settled below
                    result.tokens += tokens
            outcomes = await asyncio.gather(*(_answer(client, r, config, validate) for r in wave))
            fresh = []
            for request, outcome in zip(wave, outcomes, strict=True):
                _, tokens, dollars = estimate(config, [request])
                result.cost_usd -= dollars
                result.tokens -= tokens
                if isinstance(outcome, str):
                    result.failed.append((request, outcome))
                    continue
                completion, paid = outcome
                cost = cost_of(config, completion.prompt_tokens, completion.completion_tokens)
                answer = Answer(request.key, request.task, request.example_id, request.model, request.template_version,
                                completion.content, completion.finish_reason, completion.prompt_tokens,
                                completion.completion_tokens, cost, completion.attempts, run_id)
                result.answers[request.key] = answer
                result.calls += paid
                result.cost_usd += cost
                result.tokens += completion.prompt_tokens + completion.completion_tokens
                fresh.append(answer)
            ledger.record(fresh)
    finally:
        await client.close()


async def _answer(client: LlmClient, request: LlmRequest, config: LlmConfig,
                  validate: Callable[[str], str | None]) -> tuple[Completion, int] | str:
    """(completion, answers paid for) with up to `max_repairs` repair turns; a failure's reason otherwise."""
    try:
        completion = await client.complete(request)
        paid, prompt, done = 1, completion.prompt_tokens, completion.completion_tokens
        messages = [{"role": r, "content": c} for r, c in request.messages]
        for _ in range(config.max_repairs):
            problem = validate(completion.content) if completion.finish_reason == "stop" else None
            if problem is None:
                break
            messages += [{"role": "assistant", "content": completion.content},
                         {"role": "user", "content": REPAIR.format(error=problem)}]
            completion = await client.complete(request, messages)
            paid, prompt, done = paid + 1, prompt + completion.prompt_tokens, done + completion.completion_tokens
        return Completion(completion.content, completion.finish_reason, prompt, done, completion.attempts), paid
    except CallFailed as exc:
        return str(exc)
