import dagster as dg

from sft_assets.clean.stage import CLEAN_COLUMNS, clean_table
from sft_assets.core.events import decisions_table_name, events_table
from sft_assets.defs.metadata import stage_metadata
from sft_assets.defs.resources import CurationConfigResource, RowStageConfig, StoreResource, WorkerPoolResource
from sft_assets.reporting import counts_table
from sft_assets.rowstage.result import merge


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["examples", "synthesized"])
def cleaned(context: dg.AssetExecutionContext, config: RowStageConfig, curation: CurationConfigResource,
            store: StoreResource, workers: WorkerPoolResource) -> dg.MaterializeResult:
    """Examples with mojibake, control characters, HTML, ad lines, whitespace and "no input" markers repaired,
    and personal data and secrets redacted (or the example dropped/flagged, per type)."""
    settings = curation.load().config
    db = store.store()
    pool = workers.pool(config.workers, db, settings.tokens.encoding)
    generated = db.has_table("synthetic_examples")
    pool.start(db.row_count("examples"))  # workers warm up while the input is read
    examples = db.query("SELECT * FROM examples" + (" UNION ALL BY NAME SELECT * FROM synthetic_examples" if generated else ""))
    result = merge(pool.map_row_stage(clean_table, examples, CLEAN_COLUMNS, settings.clean))
    db.replace_table("cleaned", result.kept)
    db.replace_table(decisions_table_name("clean"), events_table(result.decisions, context.run_id, "clean"))
    return dg.MaterializeResult(metadata={
        **stage_metadata(result, examples.num_rows),
        "pii_found_per_type": dg.MetadataValue.md(counts_table(dict(result.extra), "type", "findings"))})
