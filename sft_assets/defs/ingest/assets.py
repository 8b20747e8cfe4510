import dagster as dg

from sft_assets.core.events import decisions_table_name, events_table
from sft_assets.defs.metadata import table_metadata
from sft_assets.defs.resources import CurationConfigResource, RowStageConfig, StoreResource
from sft_assets.ingest.sources import ingest_sources
from sft_assets.reporting import counts_table, markdown_table, value_counts


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "examples", group_name="ingest", kinds={"duckdb"},
            description="One row per accepted input record: canonical OpenAI-chat messages, content-hash id, provenance.",
        ),
        dg.AssetSpec(
            "quarantine", group_name="ingest", kinds={"duckdb"},
            description="Every input row that could not become an example, with file, locator, reason code and raw text.",
        ),
        dg.AssetSpec(
            "ingest_files", group_name="ingest", kinds={"duckdb"},
            description="One row per source file: detected format, encoding notes, rows read = examples + quarantined.",
        ),
    ]
)
def ingest(
    context: dg.AssetExecutionContext, config: RowStageConfig, curation: CurationConfigResource, store: StoreResource
):
    """Read every configured source file into examples, quarantine and per-file counts."""
    loaded = curation.load()
    outcome = ingest_sources(loaded.file_tasks(), workers=config.workers)
    db = store.store()
    db.replace_table("examples", outcome.examples)
    db.replace_table("quarantine", outcome.quarantine)
    db.replace_table("ingest_files", outcome.files)
    db.replace_table(decisions_table_name("ingest"), events_table(outcome.decisions, context.run_id, "ingest"))
    files = outcome.files.to_pylist()
    yield dg.MaterializeResult(
        asset_key="examples",
        metadata={
            **table_metadata(outcome.examples),
            "rows_read": sum(f["rows_read"] for f in files),
            "examples_per_source": value_counts(outcome.examples, "source"),
            "secrets_masked_per_type": dg.MetadataValue.md(counts_table(outcome.secrets_masked, "type", "masked")),
            "files": dg.MetadataValue.md(
                markdown_table(files, ["source", "file", "format", "rows_read", "examples", "quarantined"])
            ),
            "preview": dg.MetadataValue.md(
                # no message text here: raw input may hold secrets that only the cleaning step redacts
                markdown_table(outcome.examples.slice(0, 5).to_pylist(),
                               ["example_id", "source", "locator", "source_format", "n_messages"])
            ),
            "config": str(loaded.path),
        },
    )
    yield dg.MaterializeResult(
        asset_key="quarantine",
        metadata={
            **table_metadata(outcome.quarantine),
            "per_reason": dg.MetadataValue.md(counts_table(value_counts(outcome.quarantine, "reason"))),
            "preview": dg.MetadataValue.md(
                markdown_table(outcome.quarantine.slice(0, 10).to_pylist(), ["file", "locator", "reason", "detail"])
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key="ingest_files",
        metadata={
            **table_metadata(outcome.files),
            "invariant_holds": all(f["rows_read"] == f["examples"] + f["quarantined"] for f in files),
            "files_with_quarantine": sum(1 for f in files if f["quarantined"]),
        },
    )
