"""A labeled near-duplicate benchmark built from real texts in ../shared/data (English and Chinese).

For each base text: one planted near-copy with a controlled edit of a given kind and rate (5-15% of the
words, or characters for Chinese), and one hard negative: another real text from the same data that shares
the most topic words. Precision, recall and F1 are computed over these labeled pairs from the clusters
`near_dedup` returns, per language and per edit kind.

The real texts are split in two halves by a hash of the text: `--half tune` is the labeled set the
shingling and threshold defaults were chosen on (`--grid` sweeps them); `--half report` is the disjoint
half the reported figures come from. Never tune on the report half.

Run: `uv run --frozen python -m sft_assets_tests.benchmarks.near_dup_labeled [--half report] [--bases N]`.
"""

from __future__ import annotations

import argparse
import hashlib
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
EDITS = {"en": ("insert", "delete", "substitute", "reorder", "punctuation", "numbers", "case"),
         "zh": ("insert", "delete", "substitute", "reorder", "punctuation", "numbers", "traditional")}
RATES = (0.05, 0.10, 0.15)  # share of words (characters for Chinese) an insert/delete/substitute touches
FILLER = {"en": "really also just quite very simply actually the a of".split(), "zh": list("的了也很就都还是在有")}


def half_of(text: str) -> str:
    return "tune" if hashlib.blake2b(text.encode(), digest_size=1).digest()[0] % 2 == 0 else "report"


def real_texts(language: str, half: str, data: Path = SHARED_DATA) -> list[str]:
    texts = []
    for relative in SOURCES[language]:
        examples = ingest_file(FileTask(source=language, path=data / relative, file=relative)).examples
        for m in examples.column("messages").to_pylist():
            text = " ".join(x.get("content") or "" for x in orjson.loads(m))
            size = len(text.split()) if language == "en" else len(re.sub(r"\s", "", text))
            if (language == "en" and 60 <= size <= 400) or (language == "zh" and 80 <= size <= 600):
                texts.append(text)
    return sorted(t for t in set(texts) if half_of(t) == half)


def _tokens(text: str, language: str) -> list[str]:
    return text.split(" ") if language == "en" else list(text)


def _join(tokens: list[str], language: str) -> str:
    return (" " if language == "en" else "").join(tokens)


def near_copy(text: str, language: str, edit: str, rate: float, rng: random.Random) -> str:
    """A copy of `text` with one controlled edit; insert/delete/substitute touch `rate` of its words
    (characters for Chinese)."""
    tokens = _tokens(text, language)
    budget = max(1, round(len(tokens) * rate))
    if edit == "insert":
        for _ in range(budget):
            tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(FILLER[language]))
    elif edit == "delete":
        for _ in range(min(budget, len(tokens) - 1)):
            tokens.pop(rng.randrange(len(tokens)))
    elif edit == "substitute":
        for _ in range(budget):
            tokens[rng.randrange(len(tokens))] = rng.choice(FILLER[language])
    elif edit == "reorder":
        parts = [p for p in re.split(r"(?<=[.!?。！？\n])", text) if p.strip()]
        if len(parts) >= 2:
            i = rng.randrange(len(parts) - 1)
            parts[i], parts[i + 1] = parts[i + 1], parts[i]
            return "".join(parts)
    elif edit == "punctuation":
        text = re.sub(r"[,，]", lambda m: rng.choice([";", "、", " -", ","]), text)
        return re.sub(r"\s+", lambda m: rng.choice([" ", "  ", "\n", " \t "]), text)
    elif edit == "numbers":  # the figures planted_figures() added to the base, without thousands separators
        return re.sub(r"(?<=\d),(?=\d{3})", "", text)
    elif edit == "case":
        return text.upper() if rng.random() < 0.5 else text.lower()
    elif edit == "traditional":
        import opencc

        return opencc.OpenCC("s2t").convert(text)
    return _join(tokens, language)


def planted_figures(text: str, rng: random.Random) -> str:
    """The text with a sentence of figures written with thousands separators (for the "numbers" edit)."""
    figures = ", ".join(f"{rng.randrange(1, 99)},{rng.randrange(0, 999):03d}" for _ in range(6))
    return f"{text} {figures}"


def shared_half(text: str, other: str, language: str) -> str:
    """A hard negative: the first half of `text` followed by the second half of another text (a shared
    template or opening with a different body)."""
    mine, theirs = _tokens(text, language), _tokens(other, language)
    return _join(mine[: len(mine) // 2] + theirs[len(theirs) // 2:], language)


def _topic_words(text: str, language: str) -> set[str]:
    if language == "en":
        return {w for w in re.findall(r"[a-z]{6,}", text.lower())}
    chars = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def topic_negative(index: int, texts: list[str], language: str, rng: random.Random) -> str:
    """Another real text sharing the most topic words with texts[index] among a random sample of 200.

    Texts that open with the same 20 characters are left out: the Chinese sources hold conversation trees
    whose branches repeat the same opening turns, and such a pair is a true near copy, not a negative."""
    words = _topic_words(texts[index], language)
    opening = texts[index][:20]
    others = [i for i in range(len(texts)) if i != index and texts[i][:20] != opening]
    sample = rng.sample(others, min(200, len(others)))
    best = max(sample, key=lambda i: (len(words & _topic_words(texts[i], language)), -i))
    return texts[best]


@dataclass(frozen=True)
class Scores:
    pairs: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, label: str) -> str:
        return f"{label:<28} pairs {self.pairs:>5}  P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}"


def labeled_corpus(language: str, half: str, bases: int, seed: int):
    """(texts, labeled pairs (a, b, positive, kind)): for each base a near copy and two hard negatives
    (the most topical other text, and half of the base spliced with half of that text)."""
    rng = random.Random(seed)
    texts = real_texts(language, half)
    chosen = rng.sample(range(len(texts)), min(bases, len(texts)))
    corpus: list[str] = []
    labeled: list[tuple[int, int, bool, str]] = []
    kinds = [(e, r) for e in EDITS[language] for r in (RATES if e in ("insert", "delete", "substitute") else (0.0,))]
    for k, index in enumerate(chosen):
        edit, rate = kinds[k % len(kinds)]
        kind = f"{edit} {round(rate * 100)}%" if rate else edit
        base = len(corpus)
        original = planted_figures(texts[index], rng) if edit == "numbers" else texts[index]
        corpus.append(original)
        corpus.append(near_copy(original, language, edit, rate, rng))
        other = topic_negative(index, texts, language, rng)
        corpus.append(other)
        corpus.append(shared_half(original, other, language))
        labeled += [(base, base + 1, True, kind), (base, base + 2, False, "topic"), (base, base + 3, False, "shared half")]
    return corpus, labeled


def evaluate(language: str, half: str = "report", bases: int = 420, config: NearDedupConfig | None = None,
             seed: int = 7) -> tuple[dict[str, Scores], tuple[dict[str, int], int]]:
    """(scores per edit kind plus "all", (hard negatives merged per kind, hard negatives)) for one language."""
    config = config or NearDedupConfig(text="user")
    corpus, labeled = labeled_corpus(language, half, bases, seed)
    rows = [{"example_id": f"t{i:06d}", "source": "bench", "file": "bench", "locator": str(i),
             "messages": orjson.dumps([{"role": "user", "content": t}, {"role": "assistant", "content": "."}]).decode()}
            for i, t in enumerate(corpus)]
    result = near_dedup(pa.Table.from_pylist(rows), config, {})
    cluster = {r["example_id"]: r["cluster_id"] for r in result.clusters.to_pylist()}

    def same(a: int, b: int) -> bool:
        ca, cb = cluster.get(f"t{a:06d}"), cluster.get(f"t{b:06d}")
        return corpus[a] == corpus[b] or (ca is not None and ca == cb)

    merged = {kind: sum(1 for a, b, positive, k in labeled if not positive and k == kind and same(a, b))
              for kind in ("topic", "shared half")}
    fps = sum(merged.values())
    negatives = sum(1 for *_, positive, _ in labeled if not positive)
    scores = {}
    for kind in sorted({k for *_, positive, k in labeled if positive}):
        pairs = [(a, b) for a, b, positive, k in labeled if positive and k == kind]
        tp = sum(1 for a, b in pairs if same(a, b))
        scores[kind] = Scores(len(pairs), tp, 0, len(pairs) - tp)
    tp = sum(s.tp for s in scores.values())
    fn = sum(s.fn for s in scores.values())
    scores["all (with hard negatives)"] = Scores(len(labeled), tp, fps, fn)
    return scores, (merged, negatives)


def grid(half: str, bases: int) -> None:
    """F1 per language over shingle sizes and thresholds (run on the tune half only)."""
    for language in ("en", "zh"):
        for n in (1, 2, 3):
            cells = []
            for threshold in (0.4, 0.5, 0.6, 0.7):
                fields = {"ngram_words" if language == "en" else "ngram_chars": n}
                s, _ = evaluate(language, half, bases, NearDedupConfig(text="user", threshold=threshold, **fields))
                a = s["all (with hard negatives)"]
                cells.append(f"t={threshold}: P {a.precision:.3f} R {a.recall:.3f} F1 {a.f1:.3f}")
            print(f"{language} n={n}  " + "  |  ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--half", choices=("tune", "report"), default="report")
    parser.add_argument("--bases", type=int, default=420)
    parser.add_argument("--grid", action="store_true", help="sweep shingle size and threshold (tune half)")
    args = parser.parse_args()
    if args.grid:
        if args.half != "tune":
            parser.error("--grid chooses defaults: run it on --half tune")
        grid(args.half, args.bases)
        return
    for language in ("en", "zh"):
        print(f"== {language} ({args.half} half)")
        scores, (merged, negatives) = evaluate(language, args.half, args.bases)
        for kind, s in scores.items():
            print("  " + s.line(kind))
        print(f"  hard negatives merged: {sum(merged.values())} of {negatives} ({merged})")


if __name__ == "__main__":
    main()
