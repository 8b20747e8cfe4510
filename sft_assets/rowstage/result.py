"""What a row stage (clean, filter) decided about its rows, in a form that travels between processes cheaply.

A stage declares its outcome instead of building tables: which input rows it keeps, which values it
replaced, which columns it adds, and its decisions. The kept table derives from those declarations and the
input on first use (`derive_kept`), so only the declarations cross process boundaries (pool.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sft_assets.core.events import Decision, DecisionKind

SAMPLE_IDS = 3  # example ids kept per (decision, rule) for previews


@dataclass
class StageResult:
    """What a row stage decided about its input rows. The kept table is not built by the stage: it derives
    on first use from the input (`source`) and three declarations (input positions of the kept rows;
    replaced values per column, as input positions -> new values; added columns, one value per kept row),
    so that only the declarations travel between processes (pool.py)."""

    source: pa.Table | None
    decisions: list[Decision] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # "<decision>:<rule>" -> examples
    samples: dict[str, list[str]] = field(default_factory=dict)  # "<decision>:<rule>" -> a few example ids
    extra: Counter[str] = field(default_factory=Counter)  # stage-specific counts (e.g. PII findings per type)
    kept_rows: np.ndarray | None = None  # None: every row
    replaced: dict[str, tuple[np.ndarray, pa.Array]] = field(default_factory=dict)
    added: dict[str, pa.Array] = field(default_factory=dict)
    _kept: pa.Table | None = field(default=None, repr=False)

    @property
    def kept(self) -> pa.Table:
        if self._kept is None:
            if self.source is None:
                raise ValueError("the kept rows of a stage result need its source table")
            self._kept = derive_kept(self.source, self.kept_rows, self.replaced, self.added)
        return self._kept

    def record(self, row: dict, decision: DecisionKind, rule: str, value: str | None = None,
               threshold: str | None = None, detail: str = "") -> None:
        """Log a decision about the example in `row` and count it."""
        key = f"{decision}:{rule}"
        self.counts[key] += 1
        ids = self.samples.setdefault(key, [])
        if len(ids) < SAMPLE_IDS:
            ids.append(row["example_id"])
        self.decisions.append(Decision.about(row, decision, rule, value, threshold, detail))


def derive_kept(source: pa.Table, kept_rows: np.ndarray | None, replaced: dict[str, tuple[np.ndarray, pa.Array]],
                added: dict[str, pa.Array]) -> pa.Table:
    """The kept rows of `source` with replaced values swapped in and added columns appended."""
    n = source.num_rows
    every_row = kept_rows is None or len(kept_rows) == n  # kept rows are ascending and unique
    kept = source if every_row else _rows(source, kept_rows)
    for name, (positions, values) in replaced.items():
        if not len(positions):
            continue
        slot = np.full(n, -1, dtype=np.int64)
        slot[positions] = np.arange(len(positions))  # input position -> index into values
        order = slot if every_row else slot[kept_rows]
        changed = order >= 0
        index = kept.schema.get_field_index(name)
        # replace_with_mask copies a string column many times faster than if_else
        merged = pc.replace_with_mask(kept.column(name).combine_chunks(), pa.array(changed),
                                      values.take(pa.array(order[changed])))
        kept = kept.set_column(index, kept.schema.field(index), merged)
    for name, values in added.items():
        kept = kept.append_column(name, values)
    return kept


RUN_ROWS = 64  # consecutive kept rows per run at which slicing beats copying


def _rows(source: pa.Table, rows: np.ndarray) -> pa.Table:
    """source.take(rows) for ascending unique rows. When they form long runs of consecutive rows (a filter
    drops a few rows here and there) the runs are zero-copy slices of the source."""
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    if not len(rows) or (len(breaks) + 1) * RUN_ROWS > len(rows):
        return source.take(pa.array(rows, pa.int64()))
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks, [len(rows)]))
    return pa.concat_tables([source.slice(int(rows[a]), int(b - a)) for a, b in zip(starts, ends, strict=True)])


def merge(results: list[StageResult]) -> StageResult:
    merged = StageResult(source=pa.concat_tables([r.kept for r in results]))
    for r in results:
        merged.decisions.extend(r.decisions)
        merged.counts.update(r.counts)
        merged.extra.update(r.extra)
        for key, ids in r.samples.items():
            merged.samples.setdefault(key, []).extend(ids[: SAMPLE_IDS - len(merged.samples.get(key, []))])
    return merged
