from functools import partial

import dagster as dg

from sft_assets.clean.stage import CLEAN_COLUMNS, clean_table, merge
from sft_assets.events import EVENTS_TABLE, events_from_rows
from sft_assets.filter.apply import FILTER_COLUMNS, filter_table
from sft_assets.parallel import map_row_stage, start_workers
from sft_assets.reporting import counts_table, decisions_table
from sft_assets.resources import CurationConfigResource, StoreResource
from sft_assets.stage_workers import prepare_row_stages
from sft_assets.store import Store


class StageConfig(dg.Config):
    workers: int = 2  # processes sharing the rows


def _metadata(result, rows_in: int) -> dict:
    decided = {k.split(":", 1)[0] for k in result.counts}
    return {
        "dagster/row_count": result.kept.num_rows,
        "input": rows_in,
        **{f"examples_{d}": sum(v for k, v in result.counts.items() if k.startswith(d + ":")) for d in sorted(decided)},
        "per_rule": dg.MetadataValue.md(decisions_table(result.counts, result.samples)),
    }


def _start_workers(db: Store, table: str, workers: int, encoding: str) -> None:
    """Workers start and load what the stages use while the input rows are read."""
    rows = db.query(f"SELECT count(*) AS n FROM {table}").column("n")[0].as_py()
    start_workers(workers, rows, partial(prepare_row_stages, encoding))


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["examples"])
def cleaned(context: dg.AssetExecutionContext, config: StageConfig, curation: CurationConfigResource,
            store: StoreResource):
    """Examples with mojibake, control characters, HTML, ad lines, whitespace and "no input" markers repaired,
    and personal data and secrets redacted (or the example dropped/flagged, per type)."""
    loaded = curation.load().config
    db = store.store()
    _start_workers(db, "examples", config.workers, loaded.tokens.encoding)
    examples = db.query("SELECT * FROM examples")
    settings = loaded.clean
    result = merge(map_row_stage(clean_table, examples, config.workers, CLEAN_COLUMNS, settings))
    db.replace_table("cleaned", result.kept)
    db.append_table(EVENTS_TABLE, events_from_rows(context.run_id, "clean", result.events))
    return dg.MaterializeResult(
        metadata={**_metadata(result, examples.num_rows),
                  "pii_found_per_type": dg.MetadataValue.md(counts_table(dict(result.extra), "type", "findings"))}
    )


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["cleaned"])
def filtered(context: dg.AssetExecutionContext, config: StageConfig, curation: CurationConfigResource,
             store: StoreResource):
    """Cleaned examples that pass the heuristic rules; flagged ones carry their flags (refusals are counted
    for the balance gate, not dropped)."""
    loaded = curation.load().config
    db = store.store()
    _start_workers(db, "cleaned", config.workers, loaded.tokens.encoding)
    rows = db.query("SELECT * FROM cleaned")
    result = merge(map_row_stage(filter_table, rows, config.workers, FILTER_COLUMNS, loaded.filter,
                                 loaded.tokens.encoding))
    db.replace_table("filtered", result.kept)
    db.append_table(EVENTS_TABLE, events_from_rows(context.run_id, "filter", result.events))
    refusals = sum(result.kept.column("is_refusal").to_pylist()) if result.kept.num_rows else 0
    return dg.MaterializeResult(metadata={**_metadata(result, rows.num_rows), "refusals_kept": refusals})


record_events = dg.AssetSpec(
    "record_events",
    group_name="curate",
    kinds={"duckdb"},
    deps=["cleaned", "filtered", "deduped", "near_deduped", "decontaminated"],
    description="Append-only decision log: one row per (example, stage, decision) with rule, value, threshold and run id.",
)
