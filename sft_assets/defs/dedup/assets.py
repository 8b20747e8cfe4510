import dagster as dg

from sft_assets.core.events import decisions_table_name, events_table
from sft_assets.dedup import exact, near
from sft_assets.dedup.near import CLUSTERS_TABLE, SIGNATURES_TABLE, merged_signatures, near_dedup, params_key
from sft_assets.defs.metadata import table_metadata
from sft_assets.defs.resources import (
    CurationConfigResource,
    RowStageConfig,
    StoreResource,
    WorkerPoolResource,
)
from sft_assets.reporting import markdown_table


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["filtered"])
def deduped(context: dg.AssetExecutionContext, curation: CurationConfigResource,
            store: StoreResource) -> dg.MaterializeResult:
    """Examples with exact duplicates (same normalized content) removed; each drop names the kept id."""
    config = curation.load().config
    db = store.store()
    examples = db.query("SELECT * FROM filtered")
    result = exact.exact_dedup(examples, [s.name for s in config.sources])
    db.replace_table("deduped", result.kept)
    decisions = exact.dropped_decisions(result)
    db.replace_table(decisions_table_name("dedup_exact"), events_table(decisions, context.run_id, "dedup_exact"))
    return dg.MaterializeResult(metadata={
        **table_metadata(result.kept),
        "input": examples.num_rows,
        "dropped_exact_duplicate": result.dropped.num_rows,
        "dropped_preview": dg.MetadataValue.md(markdown_table(
            result.dropped.slice(0, 5).to_pylist(), ["example_id", "source", "locator", "kept_example_id", "kept_source"])),
    })


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["deduped"])
def near_deduped(context: dg.AssetExecutionContext, config: RowStageConfig, curation: CurationConfigResource,
                 store: StoreResource, workers: WorkerPoolResource) -> dg.MaterializeResult:
    """Examples with near-duplicate clusters (MinHash LSH, Jaccard-verified) reduced to one representative each."""
    loaded = curation.load().config
    settings = loaded.near_dedup
    db = store.store()
    table = db.query("SELECT * FROM deduped ORDER BY example_id")
    if not settings.enabled:
        db.replace_table("near_deduped", table)
        db.replace_table(decisions_table_name("dedup_near"), events_table([], context.run_id, "dedup_near"))
        return dg.MaterializeResult(metadata={**table_metadata(table), "enabled": False})
    previous = db.query(f"SELECT * FROM {SIGNATURES_TABLE} WHERE params = ?", [params_key(settings)]) \
        if db.has_table(SIGNATURES_TABLE) else None
    stored = {} if previous is None else dict(zip(previous.column("example_id").to_pylist(),
                                                  previous.column("signature").to_pylist(), strict=True))
    result = near_dedup(table, settings, stored, workers.pool(config.workers, db, loaded.tokens.encoding))
    db.replace_table("near_deduped", result.kept)
    db.replace_table(CLUSTERS_TABLE, result.clusters)
    db.replace_table(SIGNATURES_TABLE, result.signatures if previous is None else merged_signatures(previous, result.signatures))
    decisions = near.dropped_decisions(result, settings.threshold)
    db.replace_table(decisions_table_name("dedup_near"), events_table(decisions, context.run_id, "dedup_near"))
    sizes: dict[str, int] = {}
    for cluster_id in result.clusters.column("cluster_id").to_pylist():
        sizes[cluster_id] = sizes.get(cluster_id, 0) + 1
    return dg.MaterializeResult(metadata={
        **table_metadata(result.kept),
        "input": table.num_rows,
        "dropped_near_duplicate": len(result.dropped),
        "clusters": len(sizes),
        "largest_cluster": max(sizes.values(), default=0),
        "signatures_reused": result.reused,
        "signatures_computed": table.num_rows - result.reused,
        "dropped_preview": dg.MetadataValue.md(markdown_table(
            result.dropped[:5], ["example_id", "source", "locator", "kept_id", "similarity"])),
    })
