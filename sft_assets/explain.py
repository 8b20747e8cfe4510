"""`sft-assets explain EXAMPLE_ID`: where an example came from, every decision about it, and its fate."""

from __future__ import annotations

from sft_assets.events import EVENTS_TABLE
from sft_assets.split.tables import ASSIGNMENTS_TABLE
from sft_assets.store import Store


def _rows(con, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def explain_example(store: Store, example_id: str) -> str:
    with store.connect(read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        sources = _rows(con, "SELECT source, file, locator, source_format, messages FROM examples "
                             "WHERE example_id = ? ORDER BY source, file, record_index", [example_id])
        if not sources:
            return f"No example with id {example_id!r} in {store.db_path}."
        events = _rows(con, f"SELECT stage, decision, rule, value, threshold, detail, source, locator, run_id "
                            f"FROM {EVENTS_TABLE} WHERE example_id = ? ORDER BY rowid", [example_id]) \
            if EVENTS_TABLE in tables else []
        split = con.execute(f"SELECT split FROM {ASSIGNMENTS_TABLE} WHERE example_id = ?", [example_id]).fetchall() \
            if ASSIGNMENTS_TABLE in tables else []
        curated = con.execute("SELECT count(*) FROM curated WHERE example_id = ?", [example_id]).fetchall()[0][0] \
            if "curated" in tables else 0
    lines = [f"Example {example_id}", "Seen in:"]
    lines += [f"  {s['source']} {s['file']} {s['locator']} ({s['source_format']})" for s in sources]
    lines.append(f"Messages: {sources[0]['messages'][:300]}")
    lines.append("Decisions:" + ("" if events else " none recorded"))
    for e in events:
        measured = f" value={e['value']}" if e["value"] is not None else ""
        limit = f" threshold={e['threshold']}" if e["threshold"] is not None else ""
        lines.append(f"  [{e['stage']}] {e['decision']} by {e['rule']}{measured}{limit}: {e['detail'] or ''} "
                     f"({e['source']} {e['locator']})")
    if curated and split:
        fate = f"in the {split[0][0]} split"
    elif any(e["decision"] == "dropped" for e in events) and not curated:
        fate = "dropped: " + next(e["rule"] for e in events if e["decision"] == "dropped")
    else:
        fate = "not curated in the latest run"
    lines.append(f"Fate: {fate}")
    return "\n".join(lines)
