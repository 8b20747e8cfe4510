"""The decision log: one `Decision` per (example, stage, decision), written to `record_events`.

Every stage reports what it did through `Decision` records; `events_table` turns them into the rows of the
log, so the log's columns and the allowed decisions are defined here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pyarrow as pa

if TYPE_CHECKING:
    from sft_assets.core.store import Store

EVENTS_TABLE = "record_events"
DecisionKind = Literal["kept", "dropped", "modified", "flagged"]
DECISIONS: tuple[DecisionKind, ...] = ("kept", "dropped", "modified", "flagged")
EVENTS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("stage", pa.string()),
        ("example_id", pa.string()),
        ("source", pa.string()),
        ("file", pa.string()),
        ("locator", pa.string()),
        ("decision", pa.string()),
        ("rule", pa.string()),
        ("value", pa.string()),  # the measured value (or the id this one duplicates)
        ("threshold", pa.string()),
        ("detail", pa.string()),
    ]
)
DECISION_FIELDS = ("example_id", "source", "file", "locator", "decision", "rule", "value", "threshold", "detail")


@dataclass(frozen=True, slots=True, order=True)
class Decision:
    """What one stage decided about one example, and why (never the text of a matched secret)."""

    example_id: str
    source: str
    file: str
    locator: str
    decision: DecisionKind
    rule: str
    value: str | None = None
    threshold: str | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise ValueError(f"unknown decision {self.decision!r}; expected one of {DECISIONS}")

    @classmethod
    def about(cls, row: dict, decision: DecisionKind, rule: str, value: str | None = None,
              threshold: str | None = None, detail: str = "") -> Decision:
        """A decision about the example in `row` (a dict with its id and provenance columns)."""
        return cls(row["example_id"], row["source"], row["file"], row["locator"], decision, rule, value, threshold,
                   detail)


def events_table(decisions: Iterable[Decision], run_id: str, stage: str) -> pa.Table:
    """The rows `decisions` add to the log, for one stage of one run."""
    decisions = list(decisions)
    data = {"run_id": [run_id] * len(decisions), "stage": [stage] * len(decisions)}
    data.update({name: [getattr(d, name) for d in decisions] for name in DECISION_FIELDS})
    return pa.Table.from_pydict(data, schema=EVENTS_SCHEMA)


# The stages that decide about examples, in pipeline order; each replaces its `<stage>_decisions` table
# with the decisions of its latest run, and the `record_events` asset appends those to the log.
STAGES = ("ingest", "clean", "filter", "dedup_exact", "dedup_near", "decontaminate", "judge", "select")


def decisions_table_name(stage: str) -> str:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {STAGES}")
    return f"{stage}_decisions"


def append_to_log(store: Store) -> dict[str, int]:
    """Append each stage's latest decisions to `record_events`, unless that run of that stage is already
    logged (so materializing the log twice adds nothing). Returns the rows appended per stage."""
    appended = {}
    with store.connect() as con:
        con.register("_schema", EVENTS_SCHEMA.empty_table())
        con.execute(f'CREATE TABLE IF NOT EXISTS "{EVENTS_TABLE}" AS SELECT * FROM _schema')
        con.unregister("_schema")
        tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables "
                                                "WHERE table_schema = 'main'").fetchall()}
        for stage in STAGES:
            name = decisions_table_name(stage)
            if name not in tables:
                continue
            new = f"""FROM "{name}" d WHERE NOT EXISTS (SELECT 1 FROM "{EVENTS_TABLE}" e
                      WHERE e.run_id = d.run_id AND e.stage = d.stage)"""
            appended[stage] = con.execute(f"SELECT count(*) {new}").fetchone()[0]
            con.execute(f'INSERT INTO "{EVENTS_TABLE}" BY NAME SELECT * {new} ORDER BY rowid')
    return appended
