from collections import Counter

import dagster as dg
import pyarrow as pa

from sft_assets.balance.select import select
from sft_assets.balance.shares import observe
from sft_assets.core.events import Decision, decisions_table_name, events_table
from sft_assets.defs.metadata import table_metadata
from sft_assets.defs.resources import CurationConfigResource, StoreResource
from sft_assets.reporting import counts_table, markdown_table


def _shares_md(rows: list[dict], config) -> str:
    return markdown_table([{"rule": o.rule, "group": o.group, "examples": o.count, "share": round(o.share, 4),
                            "bounds": f"[{o.min:g}, {o.max:g}]"} for o in observe(rows, config)],
                          ["rule", "group", "examples", "share", "bounds"])


def _add_topics(db, rows: list[dict], near, threshold: float) -> None:
    """Each row's topic cluster from its stored MinHash signature (rows without one stand alone)."""
    import numpy as np

    from sft_assets.dedup.minhash import near_duplicate_clusters
    from sft_assets.dedup.near import SIGNATURES_TABLE, params_key

    if not db.has_table(SIGNATURES_TABLE):
        return
    stored = db.query(f"SELECT example_id, signature FROM {SIGNATURES_TABLE} WHERE params = ?", [params_key(near)])
    blobs = dict(zip(stored.column("example_id").to_pylist(), stored.column("signature").to_pylist(), strict=True))
    signed = [r for r in rows if blobs.get(r["example_id"])]
    if not signed:
        return
    sigs = np.vstack([np.frombuffer(blobs[r["example_id"]], dtype=np.uint32) for r in signed])
    roots = near_duplicate_clusters(sigs, threshold).root
    for row, root in zip(signed, roots.tolist(), strict=True):
        row["topic"] = signed[root]["example_id"]


def _why(rule: str, group: str, cap: float) -> str:
    if rule == "max_examples":
        return f"not among the best {cap:g} taken round-robin over task type/domain/language strata (stratum {group})"
    return f"{rule} of {group!r} above its cap"


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["annotated"])
def selected(context: dg.AssetExecutionContext, curation: CurationConfigResource,
             store: StoreResource) -> dg.MaterializeResult:
    """Annotated examples downsampled until every balance cap holds (task type, language, refusals,
    synthetic share, sources; section `balance:`), cutting the lowest judge scores first and the same
    examples run after run. Every cut is a `record_events` decision of stage select; the metadata shows
    the shares the gates will see before and after."""
    loaded = curation.load().config
    config = loaded.balance
    db = store.store()
    table = db.query("SELECT * FROM annotated ORDER BY example_id")
    rows = table.to_pylist()
    if config.max_examples is not None and len(rows) > config.max_examples:
        _add_topics(db, rows, loaded.near_dedup, config.topic_threshold)
    kept_rows, cuts = select(rows, config)
    kept_ids = {r["example_id"] for r in kept_rows}
    rows = [{k: v for k, v in r.items() if k != "topic"} for r in rows]
    kept = table.filter(pa.array([r["example_id"] in kept_ids for r in rows], pa.bool_()))
    decisions = sorted(Decision.about(row, "dropped", f"balance_{rule.removesuffix('_share').removesuffix('_rate')}",
                                      group, f"<={cap:g}", _why(rule, group, cap))
                       for row, rule, group, cap in cuts)
    db.replace_table("selected", kept)
    db.replace_table(decisions_table_name("select"), events_table(decisions, context.run_id, "select"))
    return dg.MaterializeResult(metadata={
        **table_metadata(kept),
        "input": table.num_rows,
        "cut": len(cuts),
        "cut_per_rule": dg.MetadataValue.md(counts_table(Counter(d.rule for d in decisions), "rule", "examples")),
        "enforced": config.select and table.num_rows >= config.min_rows,
        "max_examples": config.max_examples or "none",
        "shares_before": dg.MetadataValue.md(_shares_md(rows, config)),
        "shares_after": dg.MetadataValue.md(_shares_md(kept_rows, config)),
    })
