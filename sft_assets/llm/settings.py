"""The `llm:` section of curation.yaml: endpoint, limits, budget and the tasks that use a model."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sft_assets.core.settings_base import Strict


class JudgeSettings(Strict):
    """Args:
        enabled: score examples on the 3H rubric (harmless, honest, helpful) plus overall, 1-5.
        min_overall: examples the judge scores below this are dropped by selection (0 keeps all).
    """

    enabled: bool = True
    min_overall: float = Field(default=0, ge=0, le=5)


class LabelSettings(Strict):
    """Args:
        enabled: label task type, domain, language and refusal (heuristically without a model).
    """

    enabled: bool = True


class MethodSettings(Strict):
    """Args:
        enabled: generate with this method (off by default).
        max_new: at most this many generated examples per run.
    """

    enabled: bool = False
    max_new: int = Field(default=50, ge=0)


class AugmentSettings(Strict):
    """Opt-in augmentation; generated examples carry origin and parent id and enter the pipeline beside the
    ingested ones, so the same cleaning, filtering, dedup (against the originals too) and decontamination
    apply to them.

    Args:
        paraphrase: rewrite single-turn user requests (the reply is kept).
        back_translation: user request zh->en->zh or en->zh->en (two calls), the reply kept.
        self_instruct: new request/reply pairs in the style of 3 seed examples.
        instruction_backtranslation: "what request is this text the answer to?" for document chunks.
        doc_dialogue: document chunks turned into multi-turn dialogues.
        documents: plain-text or Markdown files (paths or globs under data_root) the document methods read.
        chunk_chars: document chunk size (split at paragraph ends).
    """

    paraphrase: MethodSettings = MethodSettings()
    back_translation: MethodSettings = MethodSettings()
    self_instruct: MethodSettings = MethodSettings()
    instruction_backtranslation: MethodSettings = MethodSettings()
    doc_dialogue: MethodSettings = MethodSettings()
    documents: list[str] = []
    chunk_chars: int = Field(default=1500, ge=200)


class LlmConfig(Strict):
    """An OpenAI-compatible endpoint. With `model` unset, every LLM step uses its heuristic fallback.

    Args:
        model: the model name sent with each request; unset means no LLM (heuristics only).
        base_url: the server (unset: the OpenAI API); any OpenAI-compatible server works.
        api_key_env: the environment variable holding the key (its value is never logged or stored).
        timeout_seconds: per request.
        max_concurrency: requests in flight at once.
        requests_per_minute / tokens_per_minute: client-side limits (the server's x-ratelimit-* headers
            and Retry-After tighten them at run time).
        max_retries: attempts after the first on 429, 5xx, timeouts and connection errors.
        max_repairs: extra requests when the output is not the JSON the schema asks for.
        budget_usd / budget_tokens: per run; when reached the step stops, keeps what it has and leaves the
            rest pending.
        usd_per_million_input / usd_per_million_output: prices for cost accounting and `sft-assets estimate`.
        replay_only: never call the endpoint; a request missing from the ledger fails (CI without keys).
        mode: "online" (default) sends requests one by one; "batch" submits the ledger's misses to the
            provider's batch API and leaves their rows pending until a later run or the
            `llm_batches_sensor` ingests the results.
        batch_price_factor: batch prices as a share of the online ones (cost accounting).
    """

    model: str | None = None
    base_url: str | None = None
    api_key_env: str = Field(default="OPENAI_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    timeout_seconds: float = Field(default=60, gt=0)
    max_concurrency: int = Field(default=8, ge=1, le=256)
    requests_per_minute: int = Field(default=500, ge=1)
    tokens_per_minute: int = Field(default=200_000, ge=1)
    max_retries: int = Field(default=6, ge=0)
    max_repairs: int = Field(default=1, ge=0, le=3)
    budget_usd: float | None = Field(default=None, gt=0)
    budget_tokens: int | None = Field(default=None, gt=0)
    usd_per_million_input: float = Field(default=0.15, ge=0)
    usd_per_million_output: float = Field(default=0.60, ge=0)
    replay_only: bool = False
    mode: Literal["online", "batch"] = "online"
    batch_price_factor: float = Field(default=0.5, ge=0, le=1)
    judge: JudgeSettings = JudgeSettings()
    labels: LabelSettings = LabelSettings()
    augment: AugmentSettings = AugmentSettings()

    @property
    def configured(self) -> bool:
        return self.model is not None
