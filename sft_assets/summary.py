"""What the pipeline produced, read back from the store: stage counts, quarantine reasons, splits, files."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from sft_assets.core.events import EVENTS_TABLE
from sft_assets.export.write import MANIFEST
from sft_assets.core.store import Store

STAGE_QUERIES = {
    "read": "SELECT coalesce(sum(rows_read), 0) FROM ingest_files",
    "quarantined": "SELECT count(*) FROM quarantine",
    "ingested": "SELECT count(*) FROM examples",
    "cleaned": "SELECT count(*) FROM cleaned",
    "filtered": "SELECT count(*) FROM filtered",
    "deduped": "SELECT count(*) FROM deduped",
    "near_deduped": "SELECT count(*) FROM near_deduped",
    "decontaminated": "SELECT count(*) FROM decontaminated",
    "annotated": "SELECT count(*) FROM annotated",
    "selected": "SELECT count(*) FROM selected",
    "curated": "SELECT count(*) FROM curated",
    "train": "SELECT count(*) FROM train",
    "val": "SELECT count(*) FROM val",
    "test": "SELECT count(*) FROM test",
}


@dataclass
class Summary:
    stages: dict[str, int | None]
    reasons: dict[str, int]
    decisions: list[tuple[str, str, str, int]]  # (stage, decision, rule, examples) in the latest run per stage
    files: list[dict[str, object]]
    db_path: str
    exports_dir: str


def _table_names(store: Store) -> set[str]:
    with store.connect(read_only=True) as con:
        rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()
    return {r[0] for r in rows}


def read_summary(store: Store) -> Summary:
    names = _table_names(store)
    stages: dict[str, int | None] = {}
    reasons: dict[str, int] = {}
    with store.connect(read_only=True) as con:
        for stage, sql in STAGE_QUERIES.items():
            table = sql.rsplit("FROM ", 1)[1]
            stages[stage] = con.execute(sql).fetchall()[0][0] if table in names else None
        if "quarantine" in names:
            rows = con.execute("SELECT reason, count(*) FROM quarantine GROUP BY reason ORDER BY 2 DESC, 1").fetchall()
            reasons = {r: int(n) for r, n in rows}
        decisions = con.execute(
            f"""WITH latest AS (SELECT stage, arg_max(run_id, rowid) AS run_id FROM {EVENTS_TABLE} GROUP BY stage)
                SELECT stage, decision, rule, count(DISTINCT example_id) FROM {EVENTS_TABLE} JOIN latest
                USING (stage, run_id) GROUP BY ALL ORDER BY stage, decision, 4 DESC, rule"""
        ).fetchall() if EVENTS_TABLE in names else []
    manifest = store.exports_dir / MANIFEST
    files = orjson.loads(manifest.read_bytes())["files"] if manifest.exists() else []
    return Summary(stages, reasons, [tuple(d) for d in decisions], files, str(store.db_path), str(store.exports_dir))


# The asset whose table each summary line counts.
STAGE_ASSETS = {"read": "ingest_files", "quarantined": "quarantine", "ingested": "examples"}
EARLIER = "(from an earlier run: this run did not refresh it)"


def render_summary(summary: Summary, refreshed: set[str] | None = None) -> str:
    """The summary; with `refreshed` (the assets a run just materialized), lines it did not refresh say so."""
    def stale(asset: str) -> bool:
        return refreshed is not None and asset not in refreshed

    lines = ["Records per stage:"]
    lines += [f"  {k:14s} {'-' if v is None else v}" + (f"  {EARLIER}" if v is not None and stale(STAGE_ASSETS.get(k, k)) else "")
              for k, v in summary.stages.items()]
    lines.append("Quarantined per reason:" + ("" if summary.reasons else " none"))
    lines += [f"  {k:24s} {v}" for k, v in summary.reasons.items()]
    lines.append("Decisions per rule (latest run):" + ("" if summary.decisions else " none"))
    lines += [f"  {stage:14s} {decision:9s} {rule:28s} {n}" for stage, decision, rule, n in summary.decisions]
    lines.append(f"Database: {summary.db_path}")
    lines.append(f"Exports:  {summary.exports_dir}" + (f"  {EARLIER}" if summary.files and stale("exports") else ""))
    lines += [f"  {f['path']:28s} {f['records']:>7} records" if f.get("split", True) else f"  {f['path']:28s} ({f['format']})"
              for f in summary.files]
    return "\n".join(lines)
