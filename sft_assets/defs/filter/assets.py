import dagster as dg

from sft_assets.core.events import decisions_table_name, events_table
from sft_assets.defs.metadata import stage_metadata
from sft_assets.defs.resources import CurationConfigResource, RowStageConfig, StoreResource, WorkerPoolResource
from sft_assets.filter.apply import FILTER_COLUMNS, filter_table
from sft_assets.rowstage.result import merge


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["cleaned"])
def filtered(context: dg.AssetExecutionContext, config: RowStageConfig, curation: CurationConfigResource,
             store: StoreResource, workers: WorkerPoolResource) -> dg.MaterializeResult:
    """Cleaned examples that pass the heuristic rules; flagged ones carry their flags (refusals are counted
    for the balance gate, not dropped)."""
    settings = curation.load().config
    db = store.store()
    pool = workers.pool(config.workers, db, settings.tokens.encoding)
    pool.start(db.row_count("cleaned"))  # workers warm up while the input is read
    rows = db.query("SELECT * FROM cleaned")
    result = merge(pool.map_row_stage(filter_table, rows, FILTER_COLUMNS, settings.filter, settings.tokens.encoding))
    db.replace_table("filtered", result.kept)
    db.replace_table(decisions_table_name("filter"), events_table(result.decisions, context.run_id, "filter"))
    refusals = sum(result.kept.column("is_refusal").to_pylist()) if result.kept.num_rows else 0
    return dg.MaterializeResult(metadata={**stage_metadata(result, rows.num_rows), "refusals_kept": refusals})
