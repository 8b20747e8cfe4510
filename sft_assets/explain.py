"""`sft-assets explain EXAMPLE_ID`: where an example came from, every decision about it, and its fate."""

from __future__ import annotations

from typing import Any

import duckdb

from sft_assets.core.events import EVENTS_TABLE
from sft_assets.split.tables import ASSIGNMENTS_TABLE
from sft_assets.core.store import Store

STAGE_TABLES = ("examples", "cleaned", "filtered", "deduped", "near_deduped", "decontaminated", "annotated", "selected", "curated")
DUPLICATE_RULES = ("exact_duplicate", "near_duplicate")  # their value is the id of the example kept instead


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _latest_events(con: duckdb.DuckDBPyConnection, example_id: str) -> list[dict[str, Any]]:
    """This example's events from the latest run of each stage (older runs' decisions are history)."""
    return _rows(
        con,
        f"""WITH latest AS (SELECT stage, arg_max(run_id, rowid) AS run_id FROM {EVENTS_TABLE} GROUP BY stage)
            SELECT e.stage, e.decision, e.rule, e.value, e.threshold, e.detail, e.source, e.locator, e.run_id
            FROM {EVENTS_TABLE} e JOIN latest USING (stage, run_id)
            WHERE e.example_id = ? ORDER BY e.rowid""",
        [example_id],
    )


def _fate(present: dict[str, bool], split: str | None, events: list[dict[str, Any]]) -> str:
    if present.get("curated") and split:
        return f"in the {split} split"
    drop = next((e for e in events if e["decision"] == "dropped"), None)
    if drop and drop["rule"] in DUPLICATE_RULES:
        return f"dropped at {drop['stage']} by {drop['rule']}: example {drop['value']} was kept instead " \
               f"(`sft-assets explain {drop['value']}`)"
    if drop:
        measured = f" (value {drop['value']}, threshold {drop['threshold']})" if drop["threshold"] else ""
        return f"dropped at {drop['stage']} by {drop['rule']}{measured}"
    last = next((t for t in reversed(STAGE_TABLES) if present.get(t)), None)
    return f"not selected after {last}" if last else "not in the latest run"


def explain_example(store: Store, example_id: str) -> str:
    with store.connect(read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        generated = " UNION ALL SELECT source, file, locator, source_format, record_index FROM synthetic_examples " \
            "WHERE example_id = ?" if "synthetic_examples" in tables else ""
        sources = _rows(con, "SELECT source, file, locator, source_format FROM (SELECT source, file, locator, "
                             "source_format, record_index FROM examples WHERE example_id = ?" + generated + ") "
                             "ORDER BY source, file, record_index", [example_id] * (2 if generated else 1))
        if not sources:
            return f"No example with id {example_id!r} in {store.db_path}."
        events = _latest_events(con, example_id) if EVENTS_TABLE in tables else []
        present = {
            t: bool(con.execute(f'SELECT count(*) FROM "{t}" WHERE example_id = ?', [example_id]).fetchall()[0][0])
            for t in STAGE_TABLES if t in tables
        }
        # the cleaned text, never the raw one: raw input may hold the secrets cleaning redacted
        cleaned = con.execute("SELECT messages FROM cleaned WHERE example_id = ? LIMIT 1", [example_id]).fetchall() \
            if "cleaned" in tables else []
        split_rows = con.execute(f"SELECT split FROM {ASSIGNMENTS_TABLE} WHERE example_id = ?", [example_id]).fetchall() \
            if ASSIGNMENTS_TABLE in tables else []
    lines = [f"Example {example_id}", "Seen in:"]
    lines += [f"  {s['source']} {s['file']} {s['locator']} ({s['source_format']})" for s in sources]
    lines.append(f"Messages (cleaned): {cleaned[0][0][:300]}" if cleaned else "Messages: not shown (removed at cleaning)")
    lines.append("Decisions:" + ("" if events else " none recorded"))
    for e in events:
        measured = f" value={e['value']}" if e["value"] is not None else ""
        limit = f" threshold={e['threshold']}" if e["threshold"] is not None else ""
        lines.append(f"  [{e['stage']}] {e['decision']} by {e['rule']}{measured}{limit}: {e['detail'] or ''} "
                     f"({e['source']} {e['locator']})")
    lines.append("Stages reached: " + ", ".join(t for t in STAGE_TABLES if present.get(t)))
    lines.append(f"Fate: {_fate(present, split_rows[0][0] if split_rows else None, events)}")
    return "\n".join(lines)
