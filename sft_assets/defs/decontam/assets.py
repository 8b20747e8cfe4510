import dagster as dg

from sft_assets.core.events import decisions_table_name, events_table
from sft_assets.dedup.decontam import decontaminate, dropped_decisions, load_eval_items
from sft_assets.defs.metadata import table_metadata
from sft_assets.defs.resources import CurationConfigResource, StoreResource
from sft_assets.reporting import counts_table, markdown_table


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["near_deduped"])
def decontaminated(context: dg.AssetExecutionContext, curation: CurationConfigResource,
                   store: StoreResource) -> dg.MaterializeResult:
    """Examples whose prompts do not overlap any configured eval set (long n-gram or MinHash near-match)."""
    loaded = curation.load()
    settings = loaded.config.decontamination
    db = store.store()
    table = db.query("SELECT * FROM near_deduped ORDER BY example_id")
    items = [item for eval_set in settings.eval_sets
             for item in load_eval_items(eval_set, loaded.absolute(loaded.eval_files[eval_set.name]))]
    result = decontaminate(table, items, settings, loaded.config.near_dedup)
    db.replace_table("decontaminated", result.kept)
    decisions = dropped_decisions(result)
    db.replace_table(decisions_table_name("decontaminate"), events_table(decisions, context.run_id, "decontaminate"))
    per_set: dict[str, int] = {}
    for d in result.dropped:
        per_set[d["eval_set"]] = per_set.get(d["eval_set"], 0) + 1
    return dg.MaterializeResult(metadata={
        **table_metadata(result.kept),
        "input": table.num_rows,
        "eval_items": len(items),
        "dropped_per_eval_set": dg.MetadataValue.md(counts_table(per_set, "eval_set", "dropped")),
        "dropped_preview": dg.MetadataValue.md(markdown_table(
            result.dropped[:5], ["example_id", "source", "locator", "rule", "eval_item"])),
    })
