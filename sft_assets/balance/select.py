"""Selection: downsample over-represented groups until every max share holds, cutting the lowest judge
scores first (ties by a hash of the id, so the cut is the same run after run)."""

from __future__ import annotations

import hashlib
import math

from sft_assets.balance.settings import BalanceConfig
from sft_assets.balance.shares import dimensions

MAX_ROUNDS = 50


def _keep_order(row: dict) -> tuple:
    """Higher judge score first, then a stable pseudo-random order."""
    score = row.get("judge_overall")
    return (-(score if score is not None else 0), hashlib.sha256(row["example_id"].encode()).hexdigest())


def select(rows: list[dict], config: BalanceConfig) -> tuple[list[dict], list[tuple[dict, str, str, float]]]:
    """(kept rows in input order, cuts as (row, rule, group, max share))."""
    enforce_caps = config.select and len(rows) >= config.min_rows
    alive = {r["example_id"]: r for r in rows}
    cuts: list[tuple[dict, str, str, float]] = []
    for _ in range(MAX_ROUNDS if enforce_caps else 0):
        worst = None
        total = len(alive)
        for dim in dimensions(config):
            members: dict[str, list[dict]] = {}
            for row in alive.values():
                group = dim.group_of(row)
                if group is not None:
                    members.setdefault(group, []).append(row)
            for group, group_rows in sorted(members.items()):
                cap = dim.bounds_of(group).max
                excess = len(group_rows) - cap * total
                if excess > 1e-9 and cap < 1 and (worst is None or excess > worst[0]):
                    worst = (excess, dim.rule, group, cap, group_rows)
        if worst is None:
            break
        excess, rule, group, cap, group_rows = worst
        drop = math.ceil(excess / (1 - cap) - 1e-9)
        for row in sorted(group_rows, key=_keep_order)[-drop:]:
            del alive[row["example_id"]]
            cuts.append((row, rule, group, cap))
    if config.max_examples is not None and len(alive) > config.max_examples:
        for row, stratum in _beyond_quota(list(alive.values()), config.max_examples):
            del alive[row["example_id"]]
            cuts.append((row, "max_examples", stratum, config.max_examples))
    return [r for r in rows if r["example_id"] in alive], cuts


def _stratum(row: dict) -> str:
    """Task type, domain, language and, when known, the row's topic cluster (similar texts share one)."""
    return "/".join(str(row.get(k) or "-") for k in ("task_type", "domain", "language", "topic"))


def _beyond_quota(rows: list[dict], n: int) -> list[tuple[dict, str]]:
    """The rows left out when every stratum's best comes first, then every stratum's second best, and so
    on (ties by judge score, then a stable hash): a large stratum never crowds out a small one."""
    strata: dict[str, list[dict]] = {}
    for row in rows:
        strata.setdefault(_stratum(row), []).append(row)
    order = []
    for members in strata.values():
        order += [((rank, *_keep_order(row)), row) for rank, row in enumerate(sorted(members, key=_keep_order))]
    taken = {row["example_id"] for _, row in sorted(order, key=lambda item: item[0])[:n]}
    return [(row, _stratum(row)) for row in rows if row["example_id"] not in taken]
