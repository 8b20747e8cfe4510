"""A labeled near-duplicate benchmark built from real texts in ../shared/data (English and Chinese).

For each base text: one planted near-copy with a controlled edit (insertions, deletions, sentence
reordering, punctuation/whitespace/case changes, and for Chinese a Traditional-script variant), and one
true negative: another real text from the same data that shares topic words. Precision, recall and F1
are computed over these labeled pairs from the clusters `near_dedup` returns.

Run: `uv run --frozen python -m sft_assets_tests.benchmarks.near_dup_labeled [--bases N]`.
"""

from __future__ import annotations

import argparse
import random
import re
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow as pa

from sft_assets.dedup.near import near_dedup
from sft_assets.dedup.settings import NearDedupConfig
from sft_assets.ingest.ingest_file import FileTask, ingest_file
from sft_assets_tests.helpers import SHARED_DATA

SOURCES = {
    "en": ("llamafactory-demo/alpaca_en_demo.json", "lima/lima.json", "gpteacher/Roleplay/roleplay-simple-deduped-roleplay-dataset.json"),
    "zh": ("llamafactory-demo/alpaca_zh_demo.json", "oasst-zh/oaast_sft_zh.json", "ruozhiba/ruozhiba_raw.jsonl"),
}
EDITS = {"en": ("insert", "delete", "reorder", "punctuation", "case"),
         "zh": ("insert", "delete", "reorder", "punctuation", "traditional")}
FILLER = {"en": "really also just quite very simply actually".split(), "zh": list("的了也很就都还")}


def real_texts(language: str, data: Path = SHARED_DATA) -> list[str]:
    texts = []
    for relative in SOURCES[language]:
        examples = ingest_file(FileTask(source=language, path=data / relative, file=relative)).examples
        for m in examples.column("messages").to_pylist():
            text = " ".join(x.get("content") or "" for x in orjson.loads(m))
            size = len(text.split()) if language == "en" else len(re.sub(r"\s", "", text))
            if (language == "en" and 60 <= size <= 400) or (language == "zh" and 80 <= size <= 600):
                texts.append(text)
    return sorted(set(texts))


def _tokens(text: str, language: str) -> list[str]:
    return text.split(" ") if language == "en" else list(text)


def _join(tokens: list[str], language: str) -> str:
    return (" " if language == "en" else "").join(tokens)


def near_copy(text: str, language: str, edit: str, rng: random.Random) -> str:
    """A copy of `text` with one controlled edit touching about 5% of its words (characters for Chinese)."""
    tokens = _tokens(text, language)
    budget = max(1, len(tokens) // 20)
    if edit == "insert":
        for _ in range(budget):
            tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(FILLER[language]))
    elif edit == "delete":
        for _ in range(budget):
            tokens.pop(rng.randrange(len(tokens)))
    elif edit == "reorder":
        parts = re.split(r"(?<=[.!?。！？\n])", text)
        parts = [p for p in parts if p.strip()]
        if len(parts) >= 2:
            i = rng.randrange(len(parts) - 1)
            parts[i], parts[i + 1] = parts[i + 1], parts[i]
            return "".join(parts)
    elif edit == "punctuation":
        text = re.sub(r"[,，]", lambda m: rng.choice([";", "、", " -", ","]), text)
        return re.sub(r"\s+", lambda m: rng.choice([" ", "  ", "\n", " \t "]), text)
    elif edit == "case":
        return text.upper() if rng.random() < 0.5 else text.lower()
    elif edit == "traditional":
        import opencc

        return opencc.OpenCC("s2t").convert(text)
    return _join(tokens, language)


def _topic_words(text: str, language: str) -> set[str]:
    if language == "en":
        return {w for w in re.findall(r"[a-z]{6,}", text.lower())}
    chars = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def topic_negative(index: int, texts: list[str], language: str, rng: random.Random) -> str:
    """Another real text sharing the most topic words with texts[index] among a random sample of 200."""
    words = _topic_words(texts[index], language)
    sample = rng.sample([i for i in range(len(texts)) if i != index], min(200, len(texts) - 1))
    best = max(sample, key=lambda i: (len(words & _topic_words(texts[i], language)), -i))
    return texts[best]


@dataclass(frozen=True)
class Scores:
    language: str
    pairs: int
    precision: float
    recall: float
    f1: float


def evaluate(language: str, bases: int = 300, config: NearDedupConfig | None = None, seed: int = 7) -> Scores:
    config = config or NearDedupConfig(text="user")
    rng = random.Random(seed)
    texts = real_texts(language)
    chosen = rng.sample(range(len(texts)), min(bases, len(texts)))
    corpus: list[str] = []
    labeled: list[tuple[int, int, bool]] = []
    for k, index in enumerate(chosen):
        base = len(corpus)
        corpus.append(texts[index])
        corpus.append(near_copy(texts[index], language, EDITS[language][k % len(EDITS[language])], rng))
        corpus.append(topic_negative(index, texts, language, rng))
        labeled += [(base, base + 1, True), (base, base + 2, False)]
    rows = [{"example_id": f"t{i:06d}", "source": "bench", "file": "bench", "locator": str(i),
             "messages": orjson.dumps([{"role": "user", "content": t}, {"role": "assistant", "content": "."}]).decode()}
            for i, t in enumerate(corpus)]
    result = near_dedup(pa.Table.from_pylist(rows), config, {})
    cluster = {r["example_id"]: r["cluster_id"] for r in result.clusters.to_pylist()}

    def same(a: int, b: int) -> bool:
        ca, cb = cluster.get(f"t{a:06d}"), cluster.get(f"t{b:06d}")
        return corpus[a] == corpus[b] or (ca is not None and ca == cb)

    tp = sum(1 for a, b, positive in labeled if positive and same(a, b))
    fp = sum(1 for a, b, positive in labeled if not positive and same(a, b))
    fn = sum(1 for a, b, positive in labeled if positive and not same(a, b))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(language, len(labeled), round(precision, 4), round(recall, 4), round(f1, 4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bases", type=int, default=300)
    args = parser.parse_args()
    for language in ("en", "zh"):
        s = evaluate(language, args.bases)
        print(f"{language}: {s.pairs} labeled pairs  precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f}")


if __name__ == "__main__":
    main()
