"""Per-row selections from a boolean matrix, shared between rows that select the same items."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def chosen_per_row(mask: np.ndarray, items: Sequence[Any], collect: Callable = list) -> list:
    """For each row of `mask` (rows x len(items), bool), collect(the items whose column is True), in item
    order. Rows with the same pattern share one collection, built once: many rows, few patterns."""
    if len(items) > 62:
        raise ValueError("at most 62 items: each is one bit of an int64 key")
    keys = mask @ (1 << np.arange(len(items), dtype=np.int64))
    patterns, inverse = np.unique(keys, return_inverse=True)
    chosen = [collect(item for bit, item in enumerate(items) if int(key) >> bit & 1) for key in patterns]
    return [chosen[k] for k in inverse.tolist()]
