import io

import dagster as dg
import orjson
import pyarrow.parquet as pq

from sft_assets.defs.resources import CurationConfigResource, StoreResource
from sft_assets.export.card import SNIPPETS, CardData, inline, plots, render
from sft_assets.export.formats import llamafactory_entry
from sft_assets.export.write import ExportSet, render_jsonl
from sft_assets.reporting import markdown_table
from sft_assets.split.assign import SPLITS
from sft_assets.summary import read_summary

PARQUET_COLUMNS = ("example_id", "messages", "tools", "source", "origin", "parent_id", "task_type", "domain",
                   "language", "judge_overall", "n_tokens")
CARD_COLUMNS = ("n_tokens", "task_type", "language", "origin")


def _parquet(table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


@dg.asset(group_name="export", kinds={"file"}, deps=list(SPLITS))
def exports(context: dg.AssetExecutionContext, curation: CurationConfigResource, store: StoreResource):
    """Training-ready files per split and format under <home>/exports (OpenAI/Axolotl/TRL JSONL, ShareGPT and
    Alpaca with LLaMA-Factory's dataset_info.json, XTuner, Parquet), a dataset card (README.md with plots) and
    manifest.json (counts, sha256), published as one set: readers never see files of two runs mixed."""
    config = curation.load().config
    db = store.store()
    files, export_set, dataset_info = [], ExportSet(db.exports_dir), {}
    for fmt in config.exports.formats:
        for split in SPLITS:
            if fmt == "parquet":
                table = db.query(f'SELECT * FROM "{split}" ORDER BY example_id')
                table = table.select([c for c in PARQUET_COLUMNS if c in table.column_names])
                relative, written, skipped = f"parquet/{split}.parquet", table.num_rows, 0
                sha = export_set.write(relative, _parquet(table))
            else:
                rows = db.query(f'SELECT messages, tools FROM "{split}" ORDER BY example_id')
                data, written, skipped = render_jsonl(
                    fmt, zip(rows.column("messages").to_pylist(), rows.column("tools").to_pylist(), strict=True))
                relative = f"{fmt}/{split}.jsonl"
                sha = export_set.write(relative, data)
                entry = llamafactory_entry(fmt, relative)
                if entry:
                    dataset_info[f"sft_assets_{fmt}_{split}"] = entry
            files.append({"path": relative, "format": fmt, "split": split, "records": written,
                          "not_representable": skipped, "sha256": sha})
    if dataset_info:
        data = orjson.dumps(dataset_info, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
        files.append({"path": "dataset_info.json", "format": "llamafactory", "split": "", "records": len(dataset_info),
                      "not_representable": 0, "sha256": export_set.write("dataset_info.json", data)})
    card = _card(config, db, files)
    images = plots(card)
    for name, png in images.items():
        files.append({"path": f"plots/{name}", "format": "png", "split": "", "records": 0, "not_representable": 0,
                      "sha256": export_set.write(f"plots/{name}", png)})
    text = render(card, {name: f"![{name}](plots/{name})" for name in images})
    files.append({"path": "README.md", "format": "dataset card", "split": "", "records": 0, "not_representable": 0,
                  "sha256": export_set.write("README.md", text.encode())})
    manifest = export_set.publish(files, {"config": config.model_dump(mode="json")})
    train_tokens = sum(r["n_tokens"] or 0 for r in card.rows["train"])
    return dg.MaterializeResult(
        metadata={
            "exports_dir": dg.MetadataValue.path(str(db.exports_dir)),
            "manifest": dg.MetadataValue.path(str(manifest)),
            "files": dg.MetadataValue.md(markdown_table(files, ["path", "records", "not_representable", "sha256"])),
            **{f"examples_{split}": len(card.rows[split]) for split in SPLITS},
            "train_tokens": train_tokens,
            "estimated_cost_usd": round(train_tokens * card.epochs * card.usd_per_million_training_tokens / 1e6, 4),
            "dataset_card": dg.MetadataValue.md(render(card, {n: inline(p, n) for n, p in images.items()})),
        }
    )


def _card(config, db, files: list[dict]) -> CardData:
    rows = {}
    for split in SPLITS:
        table = db.query(f'SELECT * FROM "{split}" ORDER BY example_id')
        rows[split] = table.select([c for c in CARD_COLUMNS if c in table.column_names]).to_pylist()
    summary = read_summary(db)
    epochs = config.tokens.epochs or 3
    return CardData(name="SFT dataset (sft-assets)", funnel=summary.stages, rows=rows,
                    files=[f for f in files if f["split"]], usd_per_million_training_tokens=config.tokens.usd_per_million_training_tokens,
                    epochs=epochs, snippets={k: v.format(root=".") for k, v in SNIPPETS.items()})
