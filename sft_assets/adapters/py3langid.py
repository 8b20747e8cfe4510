"""py3langid 0.4's identifier, loaded from an uncompressed copy of its bundled model.

The bundled model file is LZMA-compressed (0.7 s to open in every worker process), so the first process
stores it uncompressed in the disk cache and the others load that copy; the identifier is assembled exactly
as py3langid's own loader does, through its private `modelio._to_array` (checked by a test: same results).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sft_assets.adapters import require_version
from sft_assets.kernels.disk_cache import cached_file
from sft_assets.kernels.langid import classify_around

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


def classify_near_threshold(samples: list[str], threshold: float) -> list[tuple[str, float]]:
    """[(language, confidence)] whose language and side of `threshold` are those of identifier().classify,
    computed in one compiled pass (kernels.langid)."""
    return classify_around(identifier(), samples, threshold)
