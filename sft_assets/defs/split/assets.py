import dagster as dg

from sft_assets.dedup.near import CLUSTERS_TABLE
from sft_assets.reporting import markdown_table
from sft_assets.defs.metadata import table_metadata
from sft_assets.defs.resources import CurationConfigResource, StoreResource
from sft_assets.split.assign import SPLITS
from sft_assets.split.tables import ASSIGNMENTS_TABLE, updated_assignments

DESCRIPTIONS = {
    "train": "Training split: curated examples assigned to train by a seeded hash, stable across refreshes.",
    "val": "Validation split: curated examples assigned to val by a seeded hash, stable across refreshes.",
    "test": "Test split: curated examples assigned to test by a seeded hash, stable across refreshes.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, group_name="split", kinds={"duckdb"}, deps=["curated"], description=DESCRIPTIONS[name])
        for name in SPLITS
    ]
)
def splits(context: dg.AssetExecutionContext, curation: CurationConfigResource, store: StoreResource):
    """Assign curated examples to train/val/test; an example keeps the split it was given in earlier runs."""
    config = curation.load().config
    db = store.store()
    existing = (
        {r["example_id"]: r["split"] for r in db.query(f"SELECT example_id, split FROM {ASSIGNMENTS_TABLE}").to_pylist()}
        if db.has_table(ASSIGNMENTS_TABLE) else {}
    )
    curated = db.query("SELECT example_id, category, parent_id FROM curated ORDER BY example_id").to_pylist()
    clusters = db.query(f"SELECT example_id, cluster_id FROM {CLUSTERS_TABLE}").to_pylist() \
        if db.has_table(CLUSTERS_TABLE) else []
    assignments, fresh = updated_assignments(curated, clusters, existing, dict(config.split.ratios), config.split.seed)
    curated_ids = [row["example_id"] for row in curated]
    db.replace_table(ASSIGNMENTS_TABLE, assignments)
    for name in SPLITS:
        db.execute(
            f"""CREATE OR REPLACE TABLE "{name}" AS
                SELECT c.* FROM curated c JOIN {ASSIGNMENTS_TABLE} a USING (example_id)
                WHERE a.split = '{name}' ORDER BY c.example_id"""
        )
        rows = db.query(f'SELECT example_id, source, n_tokens, messages FROM "{name}" ORDER BY example_id')
        schema = db.query(f'SELECT * FROM "{name}" LIMIT 0').schema
        yield dg.MaterializeResult(
            asset_key=name,
            metadata={
                **table_metadata(schema, rows.num_rows),
                "share": round(rows.num_rows / len(curated_ids), 4) if curated_ids else 0.0,
                "newly_assigned_this_run": fresh,
                "preview": dg.MetadataValue.md(markdown_table(rows.slice(0, 5).to_pylist())),
            },
        )
