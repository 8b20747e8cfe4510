import dagster as dg

from sft_assets.defs.curate.contracts import FORMAT_GATE_COLUMNS, CuratedFrame
from sft_assets.defs.resources import CurationConfigResource, StoreResource
from sft_assets.quality.gate import format_expectations


@dg.asset_check(asset="curated", blocking=True, description="Great Expectations format suite; blocks the splits.")
def curated_format_gate(curation: CurationConfigResource, store: StoreResource) -> dg.AssetCheckResult:
    from sft_assets.quality.gate import pandas_frame, run_suite

    config = curation.load().config
    frame = pandas_frame(store.store().query(f"SELECT {', '.join(FORMAT_GATE_COLUMNS)} FROM curated"))
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


def _gate_result(outcome, config, observed: dict[str, dict]) -> dg.AssetCheckResult:
    """Failing rules with severity error block; failing warn rules only report."""
    failed = sorted({o.rule for o in outcome.failed})
    blocking = [r for r in failed if config.severity_of(r) == "error"]
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        metadata={
            "rows": outcome.rows,
            "failed_rules": failed,
            "blocking_rules": blocking,
            "failures": [{"rule": o.rule, "column": o.column, "unexpected": o.unexpected_count,
                          "failing": o.example_ids, **observed.get(o.rule, {})} for o in outcome.failed],
            **{f"observed_{k}": v for k, v in _scalars(observed).items()},
        },
    )


def _scalars(observed: dict[str, dict]) -> dict[str, float]:
    return {rule: value["max_share_observed"] for rule, value in observed.items() if "max_share_observed" in value}


@dg.asset_check(asset="curated", blocking=True,
                description="Great Expectations balance suite (shares of task types, languages, refusals, synthetic "
                            "examples and sources within balance: bounds); blocks the splits on an error rule.")
def curated_balance_gate(curation: CurationConfigResource, store: StoreResource) -> dg.AssetCheckResult:
    import pandas as pd

    from sft_assets.balance.settings import RULES
    from sft_assets.balance.shares import GROUP_COLUMNS, observe
    from sft_assets.quality.gate import run_suite, share_expectations

    config = curation.load().config.balance
    columns = ", ".join(GROUP_COLUMNS)
    rows = store.store().query(f"SELECT {columns}, count(*) AS n FROM curated GROUP BY ALL").to_pylist()
    total = sum(r["n"] for r in rows)
    observations = observe(rows, config)
    frame = pd.DataFrame([{"key": o.key, "rule": o.rule, "share": o.share, "above_min": o.share - o.min,
                           "below_max": o.max - o.share} for o in observations],
                         columns=["key", "rule", "share", "above_min", "below_max"])
    outcome = run_suite("curated_balance", frame, share_expectations(list(RULES)), index="key")
    if total < config.min_rows:  # a handful of examples: report, never block
        config = config.model_copy(update={"severity": {r: "warn" for r in RULES}})
    observed = {}
    for rule in RULES:
        mine = [o for o in observations if o.rule == rule]
        observed[rule] = {"observed": {o.group: round(o.share, 4) for o in mine},
                          "expected": {o.group: [o.min, o.max] for o in mine},
                          "max_share_observed": round(max((o.share for o in mine), default=0.0), 4)}
    return _gate_result(outcome, config, observed)


@dg.asset_check(asset="curated", blocking=True,
                description="Great Expectations duplication suite: no exact duplicate and no example an eval set "
                            "contaminates in the table feeding the splits.")
def curated_duplication_gate(curation: CurationConfigResource, store: StoreResource) -> dg.AssetCheckResult:
    from sft_assets.core.events import decisions_table_name
    from sft_assets.quality.gate import duplication_expectations, pandas_frame, run_suite

    config = curation.load().config.balance
    db = store.store()
    hits = decisions_table_name("decontaminate")
    contaminated = f"example_id IN (SELECT example_id FROM {hits})" if db.has_table(hits) else "false"
    frame = pandas_frame(db.query(f"SELECT example_id, norm_hash, {contaminated} AS contaminated FROM curated"))
    outcome = run_suite("curated_duplication", frame, duplication_expectations())
    observed = {"exact_duplicates": {"observed": int(frame["norm_hash"].duplicated().sum()), "expected": 0},
                "decontamination_hits": {"observed": int(frame["contaminated"].sum()), "expected": 0}}
    return _gate_result(outcome, config, observed)
