import os
from collections import Counter

import dagster as dg
import orjson

from sft_assets.core.events import decisions_table_name, events_table
from sft_assets.defs.metadata import table_metadata
from sft_assets.defs.resources import CurationConfigResource, StoreResource
from sft_assets.filter.langid import detect_language
from sft_assets.llm.annotate import QUARANTINE_SCHEMA, annotate
from sft_assets.llm.ledger import Ledger
from sft_assets.llm.select import with_annotations
from sft_assets.reporting import counts_table, markdown_table

LLM_QUARANTINE = "llm_quarantine"


def _user_text(messages: str) -> str:
    return next((m.get("content") or "" for m in orjson.loads(messages) if m["role"] == "user"), "")


@dg.asset(group_name="curate", kinds={"duckdb", "openai"}, deps=["decontaminated"])
def annotated(context: dg.AssetExecutionContext, curation: CurationConfigResource,
              store: StoreResource) -> dg.MaterializeResult:
    """Decontaminated examples with labels (task_type, domain, language, refusal) and 3H judge scores as
    columns, from the configured model through the ledger (a rerun on unchanged data makes no call) or from
    heuristics; examples the judge scores below llm.judge.min_overall leave. Unusable answers are in
    `llm_quarantine` and flagged; a budget stop leaves rows pending."""
    config = curation.load().config.llm
    db = store.store()
    table = db.query("SELECT * FROM decontaminated ORDER BY example_id")
    rows = table.select(["example_id", "messages", "flags", "is_refusal"]).to_pylist()
    languages = [detect_language(_user_text(r["messages"])) for r in rows]
    result = annotate(rows, languages, config, Ledger(db), os.environ.get(config.api_key_env, ""), context.run_id)
    kept, decisions = with_annotations(table, result, config.judge.min_overall)
    db.replace_table("annotated", kept)
    db.replace_table(LLM_QUARANTINE, result.quarantine if result.quarantine.num_rows else QUARANTINE_SCHEMA.empty_table())
    db.replace_table(decisions_table_name("judge"), events_table(decisions, context.run_id, "judge"))
    runs = {task: {"cache_hits": run.cache_hits, "calls": run.calls, "pending": len(run.pending),
                   "failed_calls": len(run.failed), "cost_usd": round(run.cost_usd, 6), "tokens": run.tokens}
            for task, run in result.runs.items()}
    column = kept.column
    return dg.MaterializeResult(metadata={
        **table_metadata(kept),
        "input": table.num_rows,
        "labels_and_judge_by": f"model {config.model}" if config.configured else
            "heuristics (no llm.model configured): keyword labels and a length/flags judge",
        "llm_calls": sum(r["calls"] for r in runs.values()),
        "llm_cache_hits": sum(r["cache_hits"] for r in runs.values()),
        "llm_cost_usd": round(sum(r["cost_usd"] for r in runs.values()), 6),
        "llm_pending": sum(r["pending"] for r in runs.values()),
        "llm_per_task": dg.MetadataValue.json(runs),
        "decisions": dg.MetadataValue.md(counts_table(Counter(d.rule for d in decisions), "rule", "examples")),
        "task_types": dg.MetadataValue.md(counts_table(Counter(map(str, column("task_type").to_pylist())), "task type", "examples")),
        "languages": dg.MetadataValue.md(counts_table(Counter(map(str, column("language").to_pylist())), "language", "examples")),
        "preview": dg.MetadataValue.md(markdown_table(kept.slice(0, 5).to_pylist(),
                                                      ["example_id", "task_type", "domain", "language", "judge_overall", "judged_by"])),
    })
