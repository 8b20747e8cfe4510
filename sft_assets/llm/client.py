"""An async OpenAI-compatible chat client: a concurrency limit, client-side request and token rates that
the server's x-ratelimit-* headers tighten, and retries with backoff and jitter on 429 (honouring
Retry-After), 5xx, timeouts and connection errors. The API key lives only inside the openai client; every
error text that leaves this module has it scrubbed."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

from sft_assets.llm.request import LlmRequest
from sft_assets.llm.settings import LlmConfig

log = logging.getLogger(__name__)


class CallFailed(Exception):
    """A request that failed after every retry (the message names the cause, never the key)."""


@dataclass(frozen=True)
class Completion:
    content: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    attempts: int


class RateLimiter:
    """Spaces requests evenly at the request rate, holds a one-minute token window, and pauses everyone
    after a 429 or when the server says a limit is exhausted."""

    def __init__(self, requests_per_minute: int, tokens_per_minute: int) -> None:
        self.interval = 60.0 / requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.next_slot = 0.0
        self.paused_until = 0.0
        self.window: list[tuple[float, int]] = []
        self.lock = asyncio.Lock()

    async def acquire(self, tokens: int) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.window = [(t, n) for t, n in self.window if now - t < 60]
                used = sum(n for _, n in self.window)
                wait = max(self.next_slot - now, self.paused_until - now, 0.0)
                if used + tokens > self.tokens_per_minute and self.window:
                    wait = max(wait, 60 - (now - self.window[0][0]))
                if wait <= 0:
                    self.next_slot = now + self.interval
                    self.window.append((now, tokens))
                    return
                await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def observe(self, headers: Any) -> None:
        """x-ratelimit-remaining-* of 0: wait for the matching reset."""
        for kind in ("requests", "tokens"):
            remaining = headers.get(f"x-ratelimit-remaining-{kind}")
            if remaining is not None and remaining.strip() == "0":
                self.pause(_seconds(headers.get(f"x-ratelimit-reset-{kind}")) or 1.0)


def _seconds(value: str | None) -> float | None:
    """'1.5', '20ms', '6m0s', '1s' as seconds."""
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    total, number = 0.0, ""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    i = 0
    while i < len(value):
        ch = value[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if value[i:i + 2] == "ms" else ch
        if unit not in units or not number:
            return None
        total += float(number) * units[unit]
        number = ""
        i += len(unit)
    return total


class LlmClient:
    def __init__(self, config: LlmConfig, api_key: str) -> None:
        from openai import AsyncOpenAI

        self.config = config
        self._secret = api_key
        self._client = AsyncOpenAI(api_key=api_key or "unset", base_url=config.base_url,
                                   timeout=config.timeout_seconds, max_retries=0)
        self.limiter = RateLimiter(config.requests_per_minute, config.tokens_per_minute)
        self.semaphore = asyncio.Semaphore(config.max_concurrency)

    def scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    async def complete(self, request: LlmRequest, messages: list[dict[str, str]] | None = None) -> Completion:
        """One chat completion with retries; `messages` overrides the request's (repair turns)."""
        import openai

        body = request.body()
        if messages is not None:
            body["messages"] = messages
        attempts = 0
        while True:
            attempts += 1
            await self.limiter.acquire(request.estimated_input_tokens() + request.max_tokens)
            try:
                async with self.semaphore:
                    raw = await self._client.chat.completions.with_raw_response.create(**body)
                self.limiter.observe(raw.headers)
                response = raw.parse()
                choice = response.choices[0]
                usage = response.usage
                finish = "refusal" if getattr(choice.message, "refusal", None) else choice.finish_reason or ""
                return Completion(choice.message.content or "", finish,
                                  usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0, attempts)
            except openai.RateLimitError as exc:
                delay = _seconds(exc.response.headers.get("retry-after")) or self._backoff(attempts)
                self.limiter.pause(delay)
                cause = "rate limited (429)"
            except openai.APIStatusError as exc:
                if exc.status_code < 500:
                    raise CallFailed(self.scrub(f"HTTP {exc.status_code}: {exc.message}")) from None
                delay, cause = self._backoff(attempts), f"server error {exc.status_code}"
            except openai.APITimeoutError:
                delay, cause = self._backoff(attempts), f"timed out after {self.config.timeout_seconds}s"
            except openai.APIConnectionError as exc:
                delay, cause = self._backoff(attempts), self.scrub(f"connection error: {exc}")
            if attempts > self.config.max_retries:
                raise CallFailed(f"{cause}; gave up after {attempts} attempts")
            log.debug("LLM %s for %s; retry %d in %.2fs", cause, request.example_id, attempts, delay)
            await asyncio.sleep(delay)

    @staticmethod
    def _backoff(attempts: int) -> float:
        return min(30.0, 0.5 * 2 ** (attempts - 1)) * random.uniform(0.5, 1.0)  # noqa: S311 (jitter)

    async def close(self) -> None:
        await self._client.close()
