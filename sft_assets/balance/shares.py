"""The groups each balance rule bounds, their observed shares and their bounds: one definition used by
selection (to cut) and by the gates (to check)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sft_assets.balance.settings import BalanceConfig, Bounds

SYNTHETIC_ORIGINS = ("augmented", "synthetic")
GROUP_COLUMNS = ("task_type", "language", "refusal", "is_refusal", "origin", "source")  # what the groups read


@dataclass(frozen=True)
class Dimension:
    rule: str
    group_of: Callable[[dict], str | None]  # the row's group, or None when the row is not counted
    bounds_of: Callable[[str], Bounds]


def dimensions(config: BalanceConfig) -> list[Dimension]:
    return [
        Dimension("task_type_share", lambda r: r.get("task_type") or "unlabeled",
                  lambda g: config.task_types.get(g, config.other_task_types)),
        Dimension("language_share", lambda r: r.get("language") or "und",
                  lambda g: config.languages.get(g, config.other_languages)),
        Dimension("refusal_rate", lambda r: "refusal" if (r.get("refusal") or r.get("is_refusal")) else None,
                  lambda g: Bounds(max=config.max_refusal_rate)),
        Dimension("synthetic_share", lambda r: "synthetic" if r.get("origin") in SYNTHETIC_ORIGINS else None,
                  lambda g: Bounds(max=config.max_synthetic_share)),
        Dimension("source_share", lambda r: r.get("source"), lambda g: Bounds(max=config.max_source_share)),
    ]


@dataclass(frozen=True)
class Observation:
    rule: str
    group: str
    count: int
    total: int
    min: float
    max: float

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.group}"


def observe(rows: list[dict], config: BalanceConfig) -> list[Observation]:
    """Every bounded group's share (named groups with a min appear even when absent). A row may stand for
    `n` examples with the same group columns (an aggregate), else for one."""
    total = sum(r.get("n", 1) for r in rows)
    out = []
    for dim in dimensions(config):
        counts: Counter = Counter()
        for row in rows:
            group = dim.group_of(row)
            if group is not None:
                counts[group] += row.get("n", 1)
        named = {"task_type_share": config.task_types, "language_share": config.languages}.get(dim.rule, {})
        for group in sorted(set(counts) | {g for g, b in named.items() if b.min > 0}):
            bounds = dim.bounds_of(group)
            out.append(Observation(dim.rule, group, counts.get(group, 0), total, bounds.min, bounds.max))
    return out
