import dagster as dg

from sft_assets.quality.gate import format_expectations
from sft_assets.resources import CurationConfigResource, StoreResource


@dg.asset_check(asset="curated", blocking=True, description="Great Expectations format suite; blocks the splits.")
def curated_format_gate(curation: CurationConfigResource, store: StoreResource) -> dg.AssetCheckResult:
    from sft_assets.quality.gate import run_suite

    config = curation.load().config
    frame = store.store().query("SELECT * FROM curated").to_pandas()
    outcome = run_suite("curated_format", frame, format_expectations(config.tokens.max_tokens))
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows": outcome.rows,
            "expectations": len(outcome.outcomes),
            "failed_expectations": len(outcome.failed),
            "failures": [
                {"expectation": f.expectation, "column": f.column, "unexpected": f.unexpected_count,
                 "example_ids": f.example_ids}
                for f in outcome.failed
            ],
        },
    )
