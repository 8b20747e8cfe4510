import dagster as dg

from sft_assets.defs.resources import CurationConfigResource, StoreResource
from sft_assets.quality.targets import TARGETS, file_problems
from sft_assets.split.assign import SPLITS


@dg.asset_check(asset="exports", blocking=True,
                description="Every written JSONL file read back by its trainer's validator (sft-assets validate "
                            "--target): zero problems, or the check fails naming them.")
def exports_valid_for_targets(curation: CurationConfigResource, store: StoreResource) -> dg.AssetCheckResult:
    config = curation.load().config
    exports = store.store().exports_dir
    report, failed = [], False
    for fmt in config.exports.formats:
        if fmt not in TARGETS:
            continue
        for split in SPLITS:
            records, problems, lines = file_problems(fmt, (exports / fmt / f"{split}.jsonl").read_bytes())
            failed |= bool(problems)
            report.append({"file": f"{fmt}/{split}.jsonl", "records": records, "problems": problems,
                           "first_failing_lines": lines})
    return dg.AssetCheckResult(passed=not failed, severity=dg.AssetCheckSeverity.ERROR,
                               metadata={"files": report, "files_checked": len(report)})
