"""Eval-set decontamination: drop examples whose user turns overlap an item of a user-listed eval set.

Two tests, each recorded with the eval item it matched: a long n-gram in common (13 words, or 20
characters for Chinese/Japanese/Korean; shorter items must match whole), and a MinHash near-match of the
whole user text (for paraphrases and light edits).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from sft_assets.core.events import Decision
from sft_assets.dedup.minhash import (
    band_hashes,
    candidate_pairs,
    lsh_params,
    permutations,
    signatures_of_flat,
    similarity,
)
from sft_assets.dedup.settings import DecontaminationConfig, EvalSet, NearDedupConfig
from sft_assets.dedup.shingles import batch_shingle_hashes, conversation_text, ngram_size, normalize, units
from sft_assets.ingest.containers import iter_rows, load_file
from sft_assets.ingest.ingest_file import FileTask, ingest_file

QUESTION_FIELDS = ("question", "prompt", "instruction", "input", "query", "text", "turns")


@dataclass(frozen=True)
class EvalItem:
    eval_set: str
    item_id: str  # "<set>#<1-based position>"
    text: str  # normalized


def _question_of(value: Any, field: str | None) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ([field] if field else QUESTION_FIELDS):
            found = value.get(key)
            if isinstance(found, list):
                found = "\n".join(str(x) for x in found)
            if isinstance(found, str) and found.strip():
                return found
    return None


def load_eval_items(eval_set: EvalSet, path: Path) -> list[EvalItem]:
    """The eval set's prompts: user turns of any SFT format, or plain questions (text lines, strings, fields)."""
    texts: list[str] = []
    if eval_set.format == "auto":
        result = ingest_file(FileTask(source=eval_set.name, path=path, file=path.name))
        texts = [conversation_text(orjson.loads(m), "user") for m in result.examples.column("messages").to_pylist()]
    elif path.suffix.lower() == ".txt":
        texts = [line for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    else:
        notes, data = load_file(path)
        for _, value, error, _ in iter_rows(notes, data, max_record_bytes=10_000_000):
            question = _question_of(value, eval_set.field) if error is None else None
            if question:
                texts.append(question)
    return [EvalItem(eval_set.name, f"{eval_set.name}#{i}", normalize(t)) for i, t in enumerate(texts, start=1)]


def _grams(text: str, config: DecontaminationConfig) -> list[str]:
    parts = units(text)
    n = ngram_size(text, config.ngram_words, config.ngram_chars)
    return [" ".join(parts[i:i + n]) for i in range(len(parts) - n + 1)]


def _key(gram: str) -> bytes:
    return hashlib.blake2b(gram.encode(), digest_size=8).digest()


@dataclass
class Contamination:
    kept: pa.Table
    dropped: list[dict]  # example_id, source, file, locator, rule, eval_item, eval_set, value


def decontaminate(
    table: pa.Table, items: list[EvalItem], config: DecontaminationConfig, near: NearDedupConfig
) -> Contamination:
    if not items or table.num_rows == 0:
        return Contamination(table, [])
    index: dict[bytes, int] = {}
    whole: dict[str, int] = {}
    for i, item in enumerate(items):
        grams = _grams(item.text, config)
        if not grams:
            whole.setdefault(item.text, i)
        for gram in grams:
            index.setdefault(_key(gram), i)
    rows = table.select(["example_id", "source", "file", "locator", "messages"]).to_pylist()
    user_texts = [normalize(conversation_text(orjson.loads(r["messages"]), "user")) for r in rows]
    matched: dict[int, tuple[str, int, str]] = {}
    for r, text in enumerate(user_texts):
        hit = whole.get(text) if text in whole else None
        if hit is None:
            hit = next((index[k] for k in map(_key, _grams(text, config)) if k in index), None)
        if hit is not None:
            matched[r] = ("eval_ngram_overlap", hit, "shares a long n-gram (or the whole text) with the eval item")
    for r, (i, score) in _near_matches(user_texts, items, config, near).items():
        matched.setdefault(r, ("eval_near_match", i, f"MinHash similarity {score:.2f} to the eval item"))
    keep = np.ones(len(rows), dtype=bool)
    dropped = []
    for r, (rule, i, detail) in sorted(matched.items()):
        keep[r] = False
        row = {k: rows[r][k] for k in ("example_id", "source", "file", "locator")}
        dropped.append({**row, "rule": rule, "eval_item": items[i].item_id, "eval_set": items[i].eval_set,
                        "detail": detail})
    return Contamination(table.filter(pa.array(keep)), dropped)


def _near_matches(texts: list[str], items: list[EvalItem], config: DecontaminationConfig,
                  near: NearDedupConfig) -> dict[int, tuple[int, float]]:
    """Example row -> (eval item, similarity) for user texts whose MinHash matches an eval item's."""
    all_texts = [item.text for item in items] + texts
    hashes, sizes = batch_shingle_hashes(all_texts, near.ngram_words, near.ngram_chars)
    usable = sizes >= near.min_shingles
    idx = np.flatnonzero(usable)
    if len(idx) < 2:
        return {}
    # the same shingles and signatures as near-dedup
    sigs = signatures_of_flat(hashes[np.repeat(usable, sizes)], sizes[usable], permutations(near.num_perm, near.seed))
    bands, rows = lsh_params(config.near_threshold, near.num_perm)
    pairs = candidate_pairs(band_hashes(sigs, bands, rows))
    scores = similarity(sigs, pairs)
    n_items = len(items)
    out: dict[int, tuple[int, float]] = {}
    for (a, b), score in zip(idx[pairs].tolist() if len(pairs) else [], scores.tolist(), strict=True):
        if score < config.near_threshold or (a < n_items) == (b < n_items):
            continue  # only eval-item-to-example pairs count
        item, example = (a, b - n_items) if a < n_items else (b, a - n_items)
        if example not in out or score > out[example][1]:
            out[example] = (item, score)
    return out


def dropped_decisions(result: Contamination) -> list[Decision]:
    return [Decision.about(d, "dropped", d["rule"], d["eval_item"], None, f"{d['detail']} ({d['eval_set']})")
            for d in result.dropped]
