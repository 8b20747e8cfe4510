import dagster as dg
import pyarrow.compute as pc

from sft_assets.curate.exact_dedup import exact_dedup
from sft_assets.curate.measure import with_format_columns
from sft_assets.events import EVENTS_TABLE, events_from_rows
from sft_assets.reporting import markdown_table
from sft_assets.resources import CurationConfigResource, StoreResource


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["filtered"])
def deduped(context: dg.AssetExecutionContext, curation: CurationConfigResource, store: StoreResource):
    """Examples with exact duplicates (same normalized content) removed; each drop names the kept id."""
    config = curation.load().config
    db = store.store()
    examples = db.query("SELECT * FROM filtered")
    result = exact_dedup(examples, [s.name for s in config.sources])
    db.replace_table("deduped", result.kept)
    dropped = result.dropped
    events = [(d["example_id"], d["source"], d["file"], d["locator"], "dropped", "exact_duplicate",
               d["kept_example_id"], None, f"same normalized content as {d['kept_source']} {d['kept_locator']}")
              for d in dropped.to_pylist()]
    db.append_table(EVENTS_TABLE, events_from_rows(context.run_id, "dedup_exact", events))
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.kept.num_rows,
            "input": examples.num_rows,
            "dropped_exact_duplicate": dropped.num_rows,
            "dropped_preview": dg.MetadataValue.md(
                markdown_table(dropped.slice(0, 5).to_pylist(), ["example_id", "source", "locator", "kept_example_id", "kept_source"])
            ),
        }
    )


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["decontaminated"])
def curated(context: dg.AssetExecutionContext, curation: CurationConfigResource, store: StoreResource):
    """The examples selected for training, with the format measurements (turns, roles, tokens) the gate checks."""
    config = curation.load().config
    db = store.store()
    table = with_format_columns(db.query("SELECT * FROM decontaminated ORDER BY example_id"), config.tokens.encoding)
    db.replace_table("curated", table)
    tokens = table.column("n_tokens")
    stats = (
        {"min": pc.min(tokens).as_py(), "max": pc.max(tokens).as_py(), "mean": round(pc.mean(tokens).as_py(), 1)}
        if table.num_rows else {}
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": table.num_rows,
            "tokens_per_example": stats,
            "total_tokens": int(pc.sum(tokens).as_py() or 0),
            "preview": dg.MetadataValue.md(
                markdown_table(table.slice(0, 5).to_pylist(), ["example_id", "source", "n_tokens", "messages"])
            ),
        }
    )
