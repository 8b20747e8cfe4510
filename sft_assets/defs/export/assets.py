import dagster as dg

from sft_assets.export.write import ExportSet, render_jsonl
from sft_assets.reporting import markdown_table
from sft_assets.defs.resources import CurationConfigResource, StoreResource
from sft_assets.split.assign import SPLITS


@dg.asset(group_name="export", kinds={"file"}, deps=list(SPLITS))
def exports(context: dg.AssetExecutionContext, curation: CurationConfigResource, store: StoreResource):
    """Training-ready files per split and format under <home>/exports, plus manifest.json (counts, sha256),
    published as one set: readers never see files of two runs mixed."""
    config = curation.load().config
    db = store.store()
    files, export_set = [], ExportSet(db.exports_dir)
    for fmt in config.exports.formats:
        for split in SPLITS:
            rows = db.query(f'SELECT messages, tools FROM "{split}" ORDER BY example_id')
            data, written, skipped = render_jsonl(
                fmt, zip(rows.column("messages").to_pylist(), rows.column("tools").to_pylist(), strict=True)
            )
            relative = f"{fmt}/{split}.jsonl"
            sha = export_set.write(relative, data)
            files.append({"path": relative, "format": fmt, "split": split, "records": written,
                          "not_representable": skipped, "sha256": sha})
    manifest = export_set.publish(files, {"config": config.model_dump(mode="json")})
    return dg.MaterializeResult(
        metadata={
            "exports_dir": dg.MetadataValue.path(str(db.exports_dir)),
            "manifest": dg.MetadataValue.path(str(manifest)),
            "files": dg.MetadataValue.md(markdown_table(files, ["path", "records", "not_representable", "sha256"])),
        }
    )
