"""Selection by the judge: the annotations become columns of the table feeding the splits; examples the
judge scored below `min_overall` leave it; what the model could not answer, and what the budget left
pending, stay in with a flag (visible in `explain`), never with a made-up score."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from sft_assets.core.events import Decision
from sft_assets.llm.annotate import Annotated


def with_annotations(table: pa.Table, annotated: Annotated, min_overall: float) -> tuple[pa.Table, list[Decision]]:
    """(rows kept, with the annotation columns; decisions). `table` and the annotations share their order."""
    notes = annotated.table
    if table.column("example_id").to_pylist() != notes.column("example_id").to_pylist():
        raise ValueError("annotations must follow the table's example order")
    for name in notes.column_names[1:]:
        table = table.append_column(name, notes.column(name))
    rows = {r["example_id"]: r for r in table.select(["example_id", "source", "file", "locator"]).to_pylist()}
    decisions = [Decision.about(rows[q["example_id"]], "flagged", f"llm_{q['reason']}", q["task"], None, q["detail"])
                 for q in annotated.quarantine.to_pylist()]
    status = table.column("llm_status").to_pylist()
    decisions += [Decision.about(rows[i], "flagged", "llm_pending", None, None, "no answer yet: the run's budget was reached, or a batch is still running")
                  for i, s in zip(table.column("example_id").to_pylist(), status, strict=True) if s == "pending"]
    overall = table.column("judge_overall")
    low = pc.fill_null(pc.less(overall, pa.scalar(min_overall, pa.float64())), False) if min_overall > 0 else \
        pa.array([False] * table.num_rows)
    for row, score, rationale in zip(table.select(["example_id"]).to_pylist(), overall.to_pylist(),
                                     table.column("judge_rationale").to_pylist(), strict=True):
        if score is not None and min_overall > 0 and score < min_overall:
            decisions.append(Decision.about(rows[row["example_id"]], "dropped", "judge_below_threshold", str(score),
                                            f">={min_overall:g}", rationale or ""))
    return table.filter(pc.invert(low)), sorted(decisions)
