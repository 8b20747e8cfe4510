"""The cleaning stage over a table of examples: cleaned rows, dropped rows, and the decision events."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from sft_assets.clean.conversation import Cleaner, clean_conversation
from sft_assets.config import CleanConfig
from sft_assets.events import EventRow
from sft_assets.records import canonical_json_bytes


CLEAN_COLUMNS = ["example_id", "source", "file", "locator", "messages"]  # what clean_table reads


@dataclass
class StageResult:
    """What a row stage decided about its input rows. The kept table is not built by the stage: it derives
    on first use from the input (`source`) and three declarations (input positions of the kept rows;
    replaced values per column, as input positions -> new values; added columns, one value per kept row),
    so that only the declarations travel between processes (parallel.py)."""

    source: pa.Table | None
    events: list[EventRow] = field(default_factory=list)
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

    def record(self, row: dict, decision: str, rule: str, value: str | None, threshold: str | None, detail: str) -> None:
        key = f"{decision}:{rule}"
        self.counts[key] += 1
        ids = self.samples.setdefault(key, [])
        if len(ids) < 3:
            ids.append(row["example_id"])
        self.events.append((row["example_id"], row["source"], row["file"], row["locator"], decision, rule, value,
                            threshold, detail))


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
        merged.events.extend(r.events)
        merged.counts.update(r.counts)
        merged.extra.update(r.extra)
        for key, ids in r.samples.items():
            merged.samples.setdefault(key, []).extend(ids[: 3 - len(merged.samples.get(key, []))])
    return merged


def clean_table(table: pa.Table, config: CleanConfig, prescan: bool = True) -> StageResult:
    """Clean every example; rows whose PII policy says drop leave the table, everything else stays.

    With `prescan`, rows that no step could touch are passed through without being parsed, and the others
    run only the steps that could touch them (prescan.py); the outcome is identical.
    """
    from sft_assets.prescan import clean_gates, open_steps

    cleaner = Cleaner.from_config(config)
    result = StageResult(source=table)
    gates = clean_gates(table, config) if prescan else np.ones(table.num_rows, dtype=bool)
    keep = np.ones(table.num_rows, dtype=bool)
    changed: list[int] = []
    new_messages: list[str] = []
    candidates = np.nonzero(gates)[0]
    rows = table.take(pa.array(candidates, pa.int64())).select(["example_id", "source", "file", "locator", "messages"])
    rows = rows.to_pylist()
    conversations = [orjson.loads(row["messages"]) for row in rows]
    steps = open_steps(conversations, config) if prescan else [None] * len(rows)
    for position, row, conversation, row_steps in zip(candidates, rows, conversations, steps, strict=True):
        if row_steps is not None and not any(row_steps):
            continue
        outcome = clean_conversation(conversation, cleaner, row_steps)
        for rule, (before, after) in outcome.changes.items():
            result.record(row, "modified", rule, str(before), None, f"{before} -> {after} chars")
        result.extra.update(outcome.pii)
        for flag in outcome.flags:
            result.record(row, "flagged", flag, str(outcome.pii[flag.removeprefix("pii_")]), None,
                          "personal data or a secret was found (value not logged)")
        if outcome.drop:
            kind = outcome.drop.removeprefix("pii_")
            result.record(row, "dropped", outcome.drop, str(outcome.pii[kind]), None,
                          "personal data or a secret was found (value not logged)")
            keep[position] = False
        elif outcome.changes:
            changed.append(position)
            new_messages.append(canonical_json_bytes(outcome.messages).decode())
    if changed:
        result.replaced["messages"] = (np.asarray(changed, dtype=np.int64), pa.array(new_messages, pa.string()))
    result.kept_rows = np.flatnonzero(keep)
    return result
