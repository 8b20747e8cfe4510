"""The `balance:` section of curation.yaml: every share the gates bound, and how selection enforces caps."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sft_assets.core.settings_base import Strict

Severity = Literal["error", "warn"]
RULES = ("task_type_share", "language_share", "refusal_rate", "synthetic_share", "source_share")


class Bounds(Strict):
    min: float = Field(default=0.0, ge=0, le=1)
    max: float = Field(default=1.0, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class BalanceConfig(Strict):
    """Args:
        task_types: share bounds per task type (labels from the annotated step); `other_task_types` bounds
            every type not named.
        languages: share bounds per language; `other_languages` bounds every language not named.
        max_refusal_rate: share of examples whose reply refuses.
        max_synthetic_share: share of generated examples (origin augmented or synthetic).
        max_source_share: share of any one source.
        min_rows: below this many examples the share rules only warn (shares of a handful are noise).
        select: downsample over-represented groups to meet every max (preferring higher judge scores); the
            gates then check what is left. Min bounds are never met by cutting: they only gate.
        severity: per rule, "error" (blocks the splits) or "warn" (reported only).
        max_examples: keep at most this many ("the best N, diverse"): after the caps, examples are taken
            round-robin over strata of (task type, domain, language, topic cluster), best judge score
            first in each, so a small stratum keeps all it has and no stratum crowds out the rest.
        topic_threshold: texts whose MinHash Jaccard reaches this share a topic cluster (from the
            near-dedup signatures; lower than the near-duplicate threshold: similar, not copies).
    """

    task_types: dict[str, Bounds] = {}
    other_task_types: Bounds = Bounds(max=0.6)
    languages: dict[str, Bounds] = {}
    other_languages: Bounds = Bounds()
    max_refusal_rate: float = Field(default=0.1, ge=0, le=1)
    max_synthetic_share: float = Field(default=0.5, ge=0, le=1)
    max_source_share: float = Field(default=1.0, gt=0, le=1)
    min_rows: int = Field(default=100, ge=0)
    select: bool = True
    max_examples: int | None = Field(default=None, ge=1)
    topic_threshold: float = Field(default=0.3, gt=0, lt=1)
    severity: dict[Literal["task_type_share", "language_share", "refusal_rate", "synthetic_share", "source_share",
                           "exact_duplicates", "decontamination_hits"], Severity] = {}

    def severity_of(self, rule: str) -> Severity:
        return self.severity.get(rule, "error")  # type: ignore[call-overload]
