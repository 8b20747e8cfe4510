"""The dataset card: a Markdown README for the export set with the funnel, the composition, token
statistics and an estimated fine-tuning cost, plus PNG plots (length histograms, composition bars) that
the card links and the UI shows inline."""

from __future__ import annotations

import base64
import io
from collections import Counter
from dataclasses import dataclass

SPLIT_ORDER = ("train", "val", "test")


@dataclass(frozen=True)
class CardData:
    name: str
    funnel: dict[str, int | None]  # stage -> records
    rows: dict[str, list[dict]]  # split -> rows with n_tokens, task_type, language, origin
    files: list[dict]  # path, format, split, records
    usd_per_million_training_tokens: float
    epochs: int
    snippets: dict[str, str]  # trainer -> config snippet


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _percentile(values: list[int], q: float) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def token_stats(data: CardData) -> list[list[object]]:
    out = []
    for split in SPLIT_ORDER:
        tokens = [r["n_tokens"] or 0 for r in data.rows.get(split, [])]
        out.append([split, len(tokens), sum(tokens), round(sum(tokens) / len(tokens), 1) if tokens else 0,
                    _percentile(tokens, 0.5), _percentile(tokens, 0.95), max(tokens, default=0)])
    return out


def composition(data: CardData, column: str) -> dict[str, Counter]:
    return {split: Counter(str(r.get(column) or "unlabeled") for r in data.rows.get(split, [])) for split in SPLIT_ORDER}


def plots(data: CardData) -> dict[str, bytes]:
    """PNG bytes per plot name (deterministic: no timestamp or software tag)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = {}
    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
    for split in SPLIT_ORDER:
        tokens = [r["n_tokens"] or 0 for r in data.rows.get(split, [])]
        if tokens:
            ax.hist(tokens, bins=30, alpha=0.6, label=f"{split} ({len(tokens)})")
    ax.set_xlabel("tokens per example")
    ax.set_ylabel("examples")
    ax.set_title("Length distribution per split")
    ax.legend()
    out["lengths.png"] = _png(fig, plt)
    for column, title in (("task_type", "Task types per split"), ("language", "Languages per split"),
                          ("origin", "Origin per split")):
        counts = composition(data, column)
        groups = sorted({g for c in counts.values() for g in c})
        fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
        bottom = [0] * len(groups)
        for split in SPLIT_ORDER:
            values = [counts[split].get(g, 0) for g in groups]
            ax.bar(groups, values, bottom=bottom, label=split)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title(title)
        ax.set_ylabel("examples")
        ax.tick_params(axis="x", labelrotation=30)
        ax.legend()
        out[f"{column}.png"] = _png(fig, plt)
    return out


def _png(fig, plt) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def inline(png: bytes, alt: str) -> str:
    """A PNG inside Markdown (how the Dagster UI shows an image in metadata)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


def render(data: CardData, images: dict[str, str]) -> str:
    """The card; `images` maps a plot name to how it is referenced (a relative path or an inline image)."""
    train_tokens = sum(r["n_tokens"] or 0 for r in data.rows.get("train", []))
    cost = train_tokens * data.epochs * data.usd_per_million_training_tokens / 1e6
    sections = [
        f"# {data.name}",
        "Supervised fine-tuning data curated by sft-assets: cleaned, filtered, deduplicated (exact and near), "
        "decontaminated against the configured eval sets, balanced and split without leakage.",
        "## Funnel", _table(["stage", "records"], [[k, "" if v is None else v] for k, v in data.funnel.items()]),
        "## Splits and tokens",
        _table(["split", "examples", "tokens", "mean", "p50", "p95", "max"], token_stats(data)),
        f"Estimated fine-tuning cost: {train_tokens:,} training tokens x {data.epochs} epochs x "
        f"${data.usd_per_million_training_tokens:g} per million = **${cost:,.2f}**.",
        images.get("lengths.png", ""),
    ]
    for column in ("task_type", "language", "origin"):
        counts = composition(data, column)
        groups = sorted({g for c in counts.values() for g in c})
        sections += [f"## Composition: {column}",
                     _table([column, *SPLIT_ORDER], [[g, *(counts[s].get(g, 0) for s in SPLIT_ORDER)] for g in groups]),
                     images.get(f"{column}.png", "")]
    sections += ["## Files", _table(["file", "format", "split", "records"],
                                    [[f["path"], f["format"], f["split"], f["records"]] for f in data.files])]
    if data.snippets:
        sections.append("Paths below are relative to this folder (the export set).")
    for trainer, snippet in data.snippets.items():
        sections += [f"## Use with {trainer}", f"```\n{snippet.strip()}\n```"]
    return "\n\n".join(s for s in sections if s) + "\n"


SNIPPETS = {
    "LLaMA-Factory": """# copy dataset_info.json into LLaMA-Factory's data/ folder (or set dataset_dir to this folder), then:
dataset: sft_assets_sharegpt_train   # or sft_assets_alpaca_train / sft_assets_openai_train
dataset_dir: {root}""",
    "Axolotl (chat_template)": """datasets:
  - path: {root}/openai/train.jsonl
    ds_type: json
    type: chat_template
    field_messages: messages
    message_property_mappings: {{role: role, content: content}}""",
    "TRL (SFTTrainer, messages)": """from datasets import load_dataset
data = load_dataset("json", data_files={{"train": "{root}/openai/train.jsonl", "validation": "{root}/openai/val.jsonl"}})
# SFTTrainer(model=..., train_dataset=data["train"], eval_dataset=data["validation"]) reads the messages column""",
    "XTuner": """# dataset = dict(type=load_dataset, path='json', data_files='{root}/xtuner/train.jsonl')
# dataset_map_fn = openai_map_fn; each message's `loss` marks the turns trained on""",
    "OpenAI fine-tuning": """openai api files.create -f {root}/openai/train.jsonl -p fine-tune
openai api fine_tuning.jobs.create -t <file id> -m <base model>""",
}
