import dagster as dg

from sft_assets.dedup.near import CLUSTERS_TABLE
from sft_assets.defs.resources import StoreResource
from sft_assets.split.leaks import find_leaks

SPLIT_ROWS = " UNION ALL ".join(
    f"SELECT example_id, '{s}' AS split, parent_id, norm_hash FROM \"{s}\"" for s in ("train", "val", "test")
)


@dg.asset_check(asset="train", blocking=True, additional_deps=["val", "test"],
                description="No near-duplicate cluster, augmentation family or exact duplicate spans two splits.")
def splits_leak_free(store: StoreResource) -> dg.AssetCheckResult:
    db = store.store()
    rows = db.query(SPLIT_ROWS).to_pylist()
    clusters = db.query(f"SELECT example_id, cluster_id FROM {CLUSTERS_TABLE}").to_pylist() \
        if db.has_table(CLUSTERS_TABLE) else []
    report = find_leaks(rows, clusters)
    return dg.AssetCheckResult(
        passed=report.clean,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "examples": len(rows),
            "clusters_across_splits": len(report.clusters_across_splits),
            "families_across_splits": len(report.families_across_splits),
            "exact_duplicates_across_splits": len(report.duplicates_across_splits),
            "first_offenders": report.clusters_across_splits[:5] + report.families_across_splits[:5]
            + report.duplicates_across_splits[:5],
        },
    )
