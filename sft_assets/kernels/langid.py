"""py3langid's classify for many texts at once, with identical results.

py3langid walks a byte automaton in a Python loop (about 200 us per 300-character sample). Here the walk
runs compiled over all samples, collecting each sample's features in first-seen order with their counts
(what its `visit_counts` Counter holds). `classify_many` then repeats py3langid 0.4's own numpy scoring on
those arrays, so every (language, confidence) is bit-identical to `classify`; `classify_around`, for callers
that only compare the confidence with one threshold, scores all texts at once and repeats the exact
scoring only where rounding could matter (tests compare both with py3langid on real text). The model is
passed in as plain arrays (adapters.py3langid builds them).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import numpy as np
from numba import njit


@dataclass(frozen=True, eq=False)
class NaiveBayesModel:
    """A byte-automaton naive Bayes language model as plain arrays (adapters.py3langid builds it from
    py3langid's identifier): automaton transitions, row bases and outputs, feature x class log
    probabilities (`ptc`, float32), class priors (`pc`), class names and alias pairs."""

    nextmove: np.ndarray
    rowbase: np.ndarray
    output: np.ndarray
    ptc: np.ndarray
    pc: np.ndarray
    classes: tuple[str, ...]
    alias_pairs: tuple[tuple[int, int], ...]


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


def _features_of(model: NaiveBayesModel, texts: list[str]):
    nextmove, rowbase, output = model.nextmove, model.rowbase, model.output
    encoded = [_encode(t) for t in texts]
    bounds = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=bounds[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return encoded, _features(data, bounds, nextmove, rowbase, output, model.ptc.shape[0])


def classify_many(model: NaiveBayesModel, texts: list[str]) -> list[tuple[str, float]]:
    """[(language, confidence)] exactly as py3langid's `classify` (norm_probs=True) gives them."""
    if not texts:
        return []
    encoded, found = _features_of(model, texts)
    return [_classify_exactly(model, raw, row, *found) for row, raw in enumerate(encoded)]


# Float64 scores differ from py3langid's float32 ones by far less than this, in probability.
SAFE_MARGIN = 1e-3


def classify_around(model: NaiveBayesModel, texts: list[str], threshold: float) -> list[tuple[str, float]]:
    """[(language, confidence)] for every text, where the language, and the confidence's side of
    `threshold`, are those of py3langid's `classify`.

    All texts are scored at once in float64 (compiled); a text whose winner leads the runner-up by less than
    SAFE_MARGIN, or whose confidence lies within SAFE_MARGIN of the threshold, is scored again exactly as
    py3langid does, so float32 rounding can never change a comparison with the threshold."""
    if not texts:
        return []
    encoded, (features, counts, feature_bounds) = _features_of(model, texts)
    lengths = np.array([len(raw) for raw in encoded], dtype=np.float64)
    probs = _probabilities(features, counts, feature_bounds, model.ptc, model.pc.astype(np.float64), lengths)
    for i, j in model.alias_pairs:
        probs[:, i] += probs[:, j]
        probs[:, j] = 0.0
    ordered = np.sort(probs, axis=1)
    best, confidence, runner_up = probs.argmax(axis=1), ordered[:, -1], ordered[:, -2]
    unsure = ((confidence - runner_up < SAFE_MARGIN) | (np.abs(confidence - threshold) < SAFE_MARGIN)
              | (np.diff(feature_bounds) == 0))
    out = []
    for row, raw in enumerate(encoded):
        if unsure[row]:
            out.append(_classify_exactly(model, raw, row, features, counts, feature_bounds))
        else:
            out.append((model.classes[best[row]], float(confidence[row])))
    return out


@njit(cache=True, nogil=True)
def _probabilities(features, counts, feature_bounds, table, prior, lengths):  # pragma: no cover - compiled
    """Per text: softmax((sum of log1p(count) * table[feature] + prior) / sqrt(bytes)), in float64."""
    rows, classes = len(feature_bounds) - 1, table.shape[1]
    out = np.empty((rows, classes), np.float64)
    for row in range(rows):
        scores = out[row]
        scores[:] = prior
        for j in range(feature_bounds[row], feature_bounds[row + 1]):
            weight = np.log1p(np.float64(counts[j]))
            weights = table[features[j]]
            for c in range(classes):
                scores[c] += weight * weights[c]
        scale = 1.0 / np.sqrt(max(lengths[row], 1.0))
        top = -np.inf
        for c in range(classes):
            scores[c] *= scale
            top = max(top, scores[c])
        total = 0.0
        for c in range(classes):
            scores[c] = np.exp(scores[c] - top)
            total += scores[c]
        for c in range(classes):
            scores[c] /= total
    return out


def _classify_exactly(model: NaiveBayesModel, raw: bytes, row: int, features, counts, feature_bounds) -> tuple[str, float]:
    """py3langid 0.4's own numpy expressions for one text, on its features."""
    table = model.ptc
    start, end = feature_bounds[row], feature_bounds[row + 1]
    if end > start:
        scores = np.log1p(counts[start:end]) @ table[features[start:end]] + model.pc
    else:
        scores = np.full(len(model.classes), 0.0, dtype=np.float32)
    scores *= 1.0 / math.sqrt(len(raw) or 1)
    np.exp(scores - scores.max(), out=scores)
    scores /= scores.sum()
    for i, j in model.alias_pairs:
        scores[i] += scores[j]
        scores[j] = 0.0
    best = int(scores.argmax())
    return model.classes[best], float(scores[best])
