import dagster as dg
import pyarrow as pa

from sft_assets.dedup.decontam import decontaminate, load_eval_items
from sft_assets.dedup.near import CLUSTERS_TABLE, SIGNATURES_TABLE, near_dedup, params_key
from sft_assets.events import EVENTS_TABLE, events_from_rows
from sft_assets.reporting import counts_table, markdown_table
from sft_assets.resources import CurationConfigResource, StoreResource


class NearDedupRunConfig(dg.Config):
    workers: int = 2  # processes computing signatures


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["deduped"])
def near_deduped(context: dg.AssetExecutionContext, config: NearDedupRunConfig, curation: CurationConfigResource,
                 store: StoreResource):
    """Examples with near-duplicate clusters (MinHash LSH, Jaccard-verified) reduced to one representative each."""
    settings = curation.load().config.near_dedup
    db = store.store()
    table = db.query("SELECT * FROM deduped ORDER BY example_id")
    if not settings.enabled:
        db.replace_table("near_deduped", table)
        return dg.MaterializeResult(metadata={"dagster/row_count": table.num_rows, "enabled": False})
    stored = {}
    if db.has_table(SIGNATURES_TABLE):
        rows = db.query(f"SELECT example_id, signature FROM {SIGNATURES_TABLE} WHERE params = ?", [params_key(settings)])
        stored = dict(zip(rows.column("example_id").to_pylist(), rows.column("signature").to_pylist(), strict=True))
    result = near_dedup(table, settings, stored, workers=config.workers)
    db.replace_table("near_deduped", result.kept)
    db.replace_table(CLUSTERS_TABLE, result.clusters)
    previous = db.query(f"SELECT * FROM {SIGNATURES_TABLE} WHERE params = ?", [params_key(settings)]) \
        if db.has_table(SIGNATURES_TABLE) else result.signatures.slice(0, 0)
    current = set(result.signatures.column("example_id").to_pylist())
    keep_old = pa.array([i not in current for i in previous.column("example_id").to_pylist()], pa.bool_())
    db.replace_table(SIGNATURES_TABLE, pa.concat_tables([previous.filter(keep_old), result.signatures]))
    events = [(d["example_id"], d["source"], d["file"], d["locator"], "dropped", "near_duplicate", d["kept_id"],
               str(settings.threshold), f"cluster {d['cluster_id']}, estimated Jaccard {d['similarity']:.2f}")
              for d in result.dropped]
    db.append_table(EVENTS_TABLE, events_from_rows(context.run_id, "dedup_near", events))
    sizes = {}
    for row in result.clusters.to_pylist():
        sizes[row["cluster_id"]] = sizes.get(row["cluster_id"], 0) + 1
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.kept.num_rows,
            "input": table.num_rows,
            "dropped_near_duplicate": len(result.dropped),
            "clusters": len(sizes),
            "largest_cluster": max(sizes.values(), default=0),
            "signatures_reused": result.reused,
            "signatures_computed": table.num_rows - result.reused,
            "dropped_preview": dg.MetadataValue.md(markdown_table(
                result.dropped[:5], ["example_id", "source", "locator", "kept_id", "similarity"])),
        }
    )


@dg.asset(group_name="curate", kinds={"duckdb"}, deps=["near_deduped"])
def decontaminated(context: dg.AssetExecutionContext, curation: CurationConfigResource, store: StoreResource):
    """Examples whose prompts do not overlap any configured eval set (long n-gram or MinHash near-match)."""
    loaded = curation.load()
    settings = loaded.config.decontamination
    db = store.store()
    table = db.query("SELECT * FROM near_deduped ORDER BY example_id")
    items = [item for eval_set in settings.eval_sets
             for item in load_eval_items(eval_set, loaded.absolute(loaded.eval_files[eval_set.name]))]
    result = decontaminate(table, items, settings, loaded.config.near_dedup)
    db.replace_table("decontaminated", result.kept)
    events = [(d["example_id"], d["source"], d["file"], d["locator"], "dropped", d["rule"], d["eval_item"], None,
               f"{d['detail']} ({d['eval_set']})") for d in result.dropped]
    db.append_table(EVENTS_TABLE, events_from_rows(context.run_id, "decontaminate", events))
    per_set = {}
    for d in result.dropped:
        per_set[d["eval_set"]] = per_set.get(d["eval_set"], 0) + 1
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.kept.num_rows,
            "input": table.num_rows,
            "eval_items": len(items),
            "dropped_per_eval_set": dg.MetadataValue.md(counts_table(per_set, "eval_set", "dropped")),
            "dropped_preview": dg.MetadataValue.md(markdown_table(
                result.dropped[:5], ["example_id", "source", "locator", "rule", "eval_item"])),
        }
    )
