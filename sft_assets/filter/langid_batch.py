"""py3langid's classify for many texts at once, with identical results.

py3langid walks a byte automaton in a Python loop (about 200 us per 300-character sample). Here the walk
runs compiled over all samples, collecting each sample's features in first-seen order with their counts
(what its `visit_counts` Counter holds); scoring and normalization then repeat py3langid 0.4's own numpy
expressions on the same arrays, so every (language, confidence) is bit-identical to `classify`
(`test_filter_gates.py` compares them on real text).
"""

from __future__ import annotations

import math
import unicodedata
from functools import lru_cache

import numpy as np
from numba import njit


@lru_cache(maxsize=1)
def _automaton():
    from sft_assets.filter.language import _model

    model = _model()
    nextmove = np.frombuffer(model.tk_nextmove, dtype=np.uint32)
    # numpy multiplies float32 by this float16 table in float32 anyway; converting once (exactly) up front
    # spares the conversion of the gathered rows on every call
    table = model.nb_ptc.astype(np.float32)
    return model, nextmove, np.asarray(model._rowbase, dtype=np.int64), np.asarray(model.tk_output, dtype=np.int64), table


@njit(cache=True, nogil=True)
def _features(data, bounds, nextmove, rowbase, output, n_features):  # pragma: no cover - compiled
    slot = np.full(n_features, -1, np.int64)
    features = np.empty(len(data), np.int64)
    counts = np.zeros(len(data), np.float32)
    feature_bounds = np.zeros(len(bounds), np.int64)
    k = 0
    for row in range(len(bounds) - 1):
        first, state = k, 0
        for i in range(bounds[row], bounds[row + 1]):
            state = nextmove[rowbase[state] + data[i]]
            f = output[state]
            if f >= 0:
                if slot[f] < 0:
                    slot[f] = k
                    features[k] = f
                    counts[k] = 1
                    k += 1
                else:
                    counts[slot[f]] += 1
        for j in range(first, k):
            slot[features[j]] = -1
        feature_bounds[row + 1] = k
    return features[:k], counts[:k], feature_bounds


def _encode(text: str) -> bytes:
    """py3langid's input encoding of a str."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


def classify_many(texts: list[str]) -> list[tuple[str, float]]:
    """[(language, confidence)] exactly as `LanguageIdentifier.classify` (norm_probs=True) gives them."""
    if not texts:
        return []
    model, nextmove, rowbase, output, table = _automaton()
    encoded = [_encode(t) for t in texts]
    bounds = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=bounds[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    features, counts, feature_bounds = _features(data, bounds, nextmove, rowbase, output, model.nb_ptc.shape[0])
    results = []
    for row, raw in enumerate(encoded):
        start, end = feature_bounds[row], feature_bounds[row + 1]
        if end > start:
            scores = np.log1p(counts[start:end]) @ table[features[start:end]] + model.nb_pc
        else:
            scores = np.full(len(model.nb_classes), 0.0, dtype=np.float32)
        scores *= 1.0 / math.sqrt(len(raw) or 1)
        np.exp(scores - scores.max(), out=scores)
        scores /= scores.sum()
        for i, j in model._alias_pairs:
            scores[i] += scores[j]
            scores[j] = 0.0
        best = int(scores.argmax())
        results.append((model.nb_classes[best], float(scores[best])))
    return results
