import dagster as dg

curate_all = dg.define_asset_job(
    "curate_all",
    selection=dg.AssetSelection.all(),
    description="Materialize the whole graph: ingest, curate, gate, split, export and the dbt reports.",
)
