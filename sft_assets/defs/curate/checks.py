import dagster as dg

from sft_assets.defs.curate.contracts import CuratedFrame
from sft_assets.defs.resources import CurationConfigResource, StoreResource
from sft_assets.quality.gate import format_expectations


@dg.asset_check(asset="curated", blocking=True, description="Great Expectations format suite; blocks the splits.")
def curated_format_gate(curation: CurationConfigResource, store: StoreResource) -> dg.AssetCheckResult:
    from sft_assets.quality.gate import run_suite

    config = curation.load().config
    frame = store.store().query("SELECT * FROM curated").to_pandas()
    contract = dg.check_dagster_type(CuratedFrame, frame)
    if not contract.success:  # the suite would read missing or mistyped columns: fail on the contract itself
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR,
                                   metadata={"rows": len(frame), "contract": CuratedFrame.display_name,
                                             "contract_violation": contract.description or "failed"})
    outcome = run_suite("curated_format", frame, format_expectations(config.tokens.max_tokens))
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows": outcome.rows,
            "contract": CuratedFrame.display_name,
            "expectations": len(outcome.outcomes),
            "failed_expectations": len(outcome.failed),
            "failures": [
                {"expectation": f.expectation, "column": f.column, "unexpected": f.unexpected_count,
                 "example_ids": f.example_ids}
                for f in outcome.failed
            ],
        },
    )
