"""Near-duplicate clusters over a table of examples: keep one representative per cluster.

Signatures already stored for an example (same hashing parameters) are reused, so a refresh hashes only
new examples; all signatures then go through LSH together, so new examples are compared with the whole
existing corpus.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import orjson
import pyarrow as pa

from sft_assets.core.events import Decision
from sft_assets.dedup.minhash import near_duplicate_clusters, permutations, signatures_of_flat
from sft_assets.dedup.settings import NearDedupConfig
from sft_assets.dedup.shingles import batch_shingle_hashes, conversation_text, normalize
from sft_assets.rowstage.pool import WorkerPool

SIGNATURES_TABLE = "minhash_signatures"
CLUSTERS_TABLE = "near_dup_clusters"


def params_key(config: NearDedupConfig) -> str:
    """What the signatures depend on: a change re-hashes everything."""
    parts = (config.text, config.ngram_words, config.ngram_chars, config.num_perm, config.seed, "crc32-window", "t2s-nfkc", "units-v2")
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def _shingle_chunk(
    chunk: pa.Table, config: NearDedupConfig, perms: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """(signatures, has_signature, normalized text of the rows without one) for (example_id, messages) rows."""
    texts = [normalize(conversation_text(orjson.loads(m), config.text)) for m in chunk.column("messages").to_pylist()]
    hashes, sizes = batch_shingle_hashes(texts, config.ngram_words, config.ngram_chars)
    usable = sizes >= config.min_shingles
    sigs = np.zeros((len(texts), config.num_perm), dtype=np.uint32)
    if usable.any():
        keep = np.repeat(usable, sizes)  # the shingles of usable texts, in order
        sigs[usable] = signatures_of_flat(hashes[keep], sizes[usable], perms)
    # only texts too short for a signature are needed again (for exact comparison): ship no others back
    return sigs, usable, [None if ok else t for t, ok in zip(texts, usable.tolist(), strict=True)]


@dataclass
class NearDedupResult:
    kept: pa.Table
    clusters: pa.Table  # example_id, cluster_id, kept_id, similarity (every member of a cluster of 2+)
    signatures: pa.Table  # example_id, params, signature (for reuse next run)
    dropped: list[dict]  # example_id, source, file, locator, kept_id, cluster_id, similarity
    reused: int


def _informativeness(table: pa.Table, rows: list[int]) -> dict[int, int]:
    """Characters of assistant text of the given rows (only cluster members need it)."""
    messages = table.column("messages").take(pa.array(rows, pa.int64())).to_pylist()
    return {i: sum(len(x.get("content") or "") for x in orjson.loads(m) if x["role"] == "assistant")
            for i, m in zip(rows, messages, strict=True)}


def near_dedup(table: pa.Table, config: NearDedupConfig, stored: dict[str, bytes],
               pool: WorkerPool | None = None) -> NearDedupResult:
    n = table.num_rows
    key = params_key(config)
    ids = table.column("example_id").to_pylist()
    missing = [i for i, example_id in enumerate(ids) if example_id not in stored]
    sigs = np.zeros((n, config.num_perm), dtype=np.uint32)
    usable = np.zeros(n, dtype=bool)
    texts: list[str | None] = [None] * n
    for i, example_id in enumerate(ids):
        blob = stored.get(example_id)
        if blob is not None:
            usable[i] = len(blob) > 0
            if usable[i]:
                sigs[i] = np.frombuffer(blob, dtype=np.uint32)
    if missing:
        todo = table.take(pa.array(missing, pa.int64())).select(["example_id", "messages"])
        parts = (pool or WorkerPool(1)).map_chunks(_shingle_chunk, todo, config, permutations(config.num_perm, config.seed))
        new_sigs = np.vstack([p[0] for p in parts])
        new_usable = np.concatenate([p[1] for p in parts])
        sigs[missing] = new_sigs
        usable[missing] = new_usable
        for index, text in zip(missing, [t for p in parts for t in p[2]], strict=True):
            texts[index] = text
    # texts too short for a meaningful signature are grouped by exact normalized text only
    root = np.arange(n)
    usable_idx = np.flatnonzero(usable)
    clusters = near_duplicate_clusters(sigs[usable_idx], config.threshold)
    root[usable_idx] = usable_idx[clusters.root]
    best_score = {}
    for (a, b), score in zip(usable_idx[clusters.pairs].tolist() if len(clusters.pairs) else [], clusters.scores.tolist(), strict=True):
        best_score[a] = max(best_score.get(a, 0.0), score)
        best_score[b] = max(best_score.get(b, 0.0), score)
    short = np.flatnonzero(~usable)
    if len(short):
        short_texts = _texts_for(table, short, texts, config)
        first: dict[str, int] = {}
        for index, text in zip(short.tolist(), short_texts, strict=True):
            if not text:
                continue  # empty texts are never merged wholesale
            anchor = first.setdefault(text, index)
            if anchor != index:
                root[index] = anchor
                best_score[index] = best_score[anchor] = 1.0
    return _resolve(table, root, best_score, config, key, ids, sigs, usable, reused=n - len(missing))


def _texts_for(table: pa.Table, rows: np.ndarray, texts: list[str | None], config: NearDedupConfig) -> list[str]:
    needed = [i for i in rows.tolist() if texts[i] is None]
    if needed:
        messages = table.column("messages").take(pa.array(needed, pa.int64())).to_pylist()
        for i, m in zip(needed, messages, strict=True):
            texts[i] = normalize(conversation_text(orjson.loads(m), config.text))
    return [texts[i] or "" for i in rows.tolist()]


def _resolve(table, root, best_score, config, key, ids, sigs, usable, reused) -> NearDedupResult:
    n = table.num_rows
    in_cluster = np.flatnonzero(np.bincount(root, minlength=n)[root] > 1)
    members: dict[int, list[int]] = {}
    for i in in_cluster.tolist():
        members.setdefault(int(root[i]), []).append(i)
    clustered = in_cluster.tolist()
    weights = _informativeness(table, clustered) if config.keep == "longest" else dict.fromkeys(clustered, 0)
    has_quality = "quality_score" in table.column_names
    quality = table.column("quality_score").to_pylist() if has_quality else [None] * n
    keep = np.ones(n, dtype=bool)
    cluster_rows, dropped = [], []
    located = table.select(["source", "file", "locator"]).take(pa.array(clustered, pa.int64())).to_pylist()
    rows = {i: {"example_id": ids[i], **loc} for i, loc in zip(clustered, located, strict=True)}
    for group in members.values():
        # quality score first (when present), then the most informative, then the earliest row
        best = min(group, key=lambda i: (-(quality[i] or 0.0), -weights[i], i))
        cluster_id = min(ids[i] for i in group)
        for i in group:
            cluster_rows.append({"example_id": ids[i], "cluster_id": cluster_id, "kept_id": ids[best],
                                 "similarity": float(best_score.get(i, 1.0))})
            if i != best:
                keep[i] = False
                dropped.append({**rows[i], "kept_id": ids[best], "cluster_id": cluster_id,
                                "similarity": float(best_score.get(i, 1.0))})
    cluster_table = pa.Table.from_pylist(
        sorted(cluster_rows, key=lambda r: (r["cluster_id"], r["example_id"])),
        schema=pa.schema([("example_id", pa.string()), ("cluster_id", pa.string()), ("kept_id", pa.string()),
                          ("similarity", pa.float64())]),
    )
    blobs = [sigs[i].tobytes() if usable[i] else b"" for i in range(n)]
    signature_table = pa.table({"example_id": ids, "params": [key] * n, "signature": pa.array(blobs, pa.binary())})
    return NearDedupResult(table.filter(pa.array(keep)), cluster_table, signature_table, dropped, reused)


def merged_signatures(previous: pa.Table, computed: pa.Table) -> pa.Table:
    """The stored signatures after a run: the previous ones of examples not hashed again, then the new ones."""
    current = set(computed.column("example_id").to_pylist())
    keep_old = pa.array([i not in current for i in previous.column("example_id").to_pylist()], pa.bool_())
    return pa.concat_tables([previous.filter(keep_old), computed])


def dropped_decisions(result: NearDedupResult, threshold: float) -> list[Decision]:
    return [Decision.about(d, "dropped", "near_duplicate", d["kept_id"], str(threshold),
                           f"cluster {d['cluster_id']}, estimated Jaccard {d['similarity']:.2f}")
            for d in result.dropped]
