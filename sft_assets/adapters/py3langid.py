"""py3langid 0.4's identifier, loaded from an uncompressed copy of its bundled model, and its model as plain
arrays for the compiled classifier (kernels.langid).

The bundled model file is LZMA-compressed (0.7 s to open in every worker process), so the first process
stores it uncompressed in the disk cache and the others load that copy; the identifier is assembled exactly
as py3langid's own loader does, through its private `modelio._to_array` (checked by a test: same results).
The arrays come from the identifier's private attributes (`tk_nextmove`, `_rowbase`, `tk_output`, `nb_ptc`,
`nb_pc`, `nb_classes`, `_alias_pairs`): this module is the only place that reads them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sft_assets.adapters import require_version
from sft_assets.kernels.disk_cache import cached_file
from sft_assets.kernels.langid import NaiveBayesModel, classify_around

SUPPORTED = ("0.4.",)


@lru_cache(maxsize=1)
def identifier():
    """py3langid's LanguageIdentifier with normalized probabilities (its `classify` gives confidences)."""
    import numpy as np
    from py3langid import modelio
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    found = require_version("py3langid", SUPPORTED)
    cached = _uncompressed_model(MODEL_DIR / MODEL_FILE, found)
    if cached is None:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    with np.load(cached, allow_pickle=False) as data:
        return LanguageIdentifier(
            data["ptc"], data["pc"], data["classes"].tolist(), modelio._to_array(data["nextmove"]),
            data["out_feat"].tolist(), norm_probs=True, tk_row=modelio._to_array(data["nextmove_row"]))


def _uncompressed_model(source: Path, found: str) -> Path | None:
    import lzma
    import shutil

    def unpack(path: Path) -> None:
        with lzma.open(source) as packed, open(path, "wb") as out:
            shutil.copyfileobj(packed, out, length=1 << 20)

    return cached_file(f"py3langid-{found}-{source.stat().st_size}.npz", unpack)


@lru_cache(maxsize=1)
def bundled_identifier():
    """py3langid's identifier as its own loader builds it (for tests comparing the two)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=2)
def model_arrays(model=None) -> NaiveBayesModel:
    """The identifier's model as plain arrays (`model`: another py3langid identifier, for tests)."""
    import numpy as np

    model = model if model is not None else identifier()
    return NaiveBayesModel(
        nextmove=np.frombuffer(model.tk_nextmove, dtype=np.uint32),
        rowbase=np.asarray(model._rowbase, dtype=np.int64),
        output=np.asarray(model.tk_output, dtype=np.int64),
        # numpy multiplies float32 by this float16 table in float32 anyway: converting once (exactly) up
        # front spares converting the gathered rows on every call
        ptc=model.nb_ptc.astype(np.float32),
        pc=model.nb_pc,
        classes=tuple(str(name) for name in model.nb_classes),
        alias_pairs=tuple((int(i), int(j)) for i, j in model._alias_pairs),
    )


def classify_near_threshold(samples: list[str], threshold: float) -> list[tuple[str, float]]:
    """[(language, confidence)] whose language and side of `threshold` are those of identifier().classify,
    computed in one compiled pass (kernels.langid)."""
    return classify_around(model_arrays(), samples, threshold)
