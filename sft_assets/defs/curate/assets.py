import dagster as dg
import pyarrow.compute as pc

from sft_assets.core.events import EVENTS_SCHEMA, EVENTS_TABLE, append_to_log
from sft_assets.defs.metadata import table_metadata
from sft_assets.defs.resources import CurationConfigResource, StoreResource
from sft_assets.quality.measure import with_format_columns
from sft_assets.reporting import counts_table, markdown_table


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["selected"])
def curated(curation: CurationConfigResource, store: StoreResource) -> dg.MaterializeResult:
    """The examples selected for training, with the format measurements (turns, roles, tokens) the gate checks."""
    config = curation.load().config
    db = store.store()
    table = with_format_columns(db.query("SELECT * FROM selected ORDER BY example_id"), config.tokens.encoding)
    db.replace_table("curated", table)
    tokens = table.column("n_tokens")
    stats = (
        {"min": pc.min(tokens).as_py(), "max": pc.max(tokens).as_py(), "mean": round(pc.mean(tokens).as_py(), 1)}
        if table.num_rows else {}
    )
    return dg.MaterializeResult(metadata={
        **table_metadata(table),
        "tokens_per_example": stats,
        "total_tokens": int(pc.sum(tokens).as_py() or 0),
        "preview": dg.MetadataValue.md(
            markdown_table(table.slice(0, 5).to_pylist(), ["example_id", "source", "n_tokens", "messages"])),
    })


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["examples", "cleaned", "filtered", "deduped", "near_deduped", "decontaminated", "annotated", "selected"],
          automation_condition=dg.AutomationCondition.eager())
def record_events(store: StoreResource) -> dg.MaterializeResult:
    """Append-only decision log: one row per (example, stage, decision) with rule, value, threshold and run id,
    gathered from each stage's latest `<stage>_decisions` table."""
    db = store.store()
    appended = append_to_log(db)
    return dg.MaterializeResult(metadata={
        **table_metadata(EVENTS_SCHEMA, db.row_count(EVENTS_TABLE)),
        "appended_this_run": sum(appended.values()),
        "appended_per_stage": dg.MetadataValue.md(counts_table(appended, "stage", "decisions")),
    })
