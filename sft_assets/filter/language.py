"""Language identification that works offline: script counts for CJK, an English function-word shortcut,
and py3langid (which ships its model inside the package) for everything else."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from sft_assets.user_cache import cached_file

HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7af]")
LATIN_WORD = re.compile(r"[A-Za-z]+")
# Common English function words that are rare as words in other Latin-script languages.
ENGLISH_MARKERS = frozenset(
    "the and is are was were of that this with you your what which how why have has had for from it its be "
    "not can will would should could there their they them he she his her we our to than then each if but "
    "by at who when where been being into about also these those does did do".split()
)
MARKER_PUNCT = ".,;:!?\"'()"  # stripped from a word before it is looked up
SAMPLE_CHARS = 300
# A CJK character carries about as much as four Latin letters: "使用Adobe Illustrator创建标志" is Chinese.
CJK_WEIGHT = 4
UNDETERMINED = "und"


MIN_CONFIDENCE = 0.9


@lru_cache(maxsize=1)
def _model():
    """py3langid's bundled model. Its file is LZMA-compressed (0.7 s to open in every worker process), so
    the first process stores it uncompressed in the user cache folder and the others load that copy; the
    identifier is assembled exactly as py3langid's own loader does (test: same results)."""
    import numpy as np
    from py3langid import modelio
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    cached = _uncompressed_model(MODEL_DIR / MODEL_FILE)
    if cached is None:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    with np.load(cached, allow_pickle=False) as data:
        return LanguageIdentifier(
            data["ptc"], data["pc"], data["classes"].tolist(), modelio._to_array(data["nextmove"]),
            data["out_feat"].tolist(), norm_probs=True, tk_row=modelio._to_array(data["nextmove_row"]))


def _uncompressed_model(source: Path) -> Path | None:
    import lzma
    import shutil
    from importlib.metadata import version

    def unpack(path: Path) -> None:
        with lzma.open(source) as packed, open(path, "wb") as out:
            shutil.copyfileobj(packed, out, length=1 << 20)

    return cached_file(f"py3langid-{version('py3langid')}-{source.stat().st_size}.npz", unpack)


def script_family(text: str) -> str:
    """"cjk", "latin" or "und": the writing system of a text, from character counts only (cheap)."""
    sample = text[:SAMPLE_CHARS]
    if sample.isascii():
        return "latin" if LATIN_WORD.search(sample) else UNDETERMINED
    cjk = len(HAN.findall(sample)) + len(KANA.findall(sample)) + len(HANGUL.findall(sample))
    latin = sum(map(len, LATIN_WORD.findall(sample)))
    if not cjk and not latin:
        return UNDETERMINED
    return "cjk" if cjk * CJK_WEIGHT >= latin else "latin"


def detect_language(text: str, min_chars: int = 40, min_confidence: float = MIN_CONFIDENCE) -> str:
    """An ISO 639-1 code, or "und" when the text is too short, has no letters, or the model is unsure."""
    sample = text[:SAMPLE_CHARS]
    if sample.isascii():
        if len(sample.strip()) < min_chars:
            return UNDETERMINED
        words = sample.lower().split()
        markers = sum(1 for w in words if w.strip(MARKER_PUNCT) in ENGLISH_MARKERS)
        if markers >= 3 and markers * 8 >= len(words):
            return "en"
        return _classify(sample, min_confidence) if LATIN_WORD.search(sample) else UNDETERMINED
    han = len(HAN.findall(sample))
    kana = len(KANA.findall(sample))
    hangul = len(HANGUL.findall(sample))
    latin = sum(map(len, LATIN_WORD.findall(sample)))
    # a CJK character carries about as much as a short word: a quarter of min_chars is enough signal
    enough_cjk = han + kana + hangul >= min_chars // 4
    if kana and (kana + han) * CJK_WEIGHT >= latin:
        return "ja" if enough_cjk else UNDETERMINED
    if hangul and hangul * CJK_WEIGHT >= latin:
        return "ko" if enough_cjk else UNDETERMINED
    if han and han * CJK_WEIGHT >= latin:  # a Chinese text may quote English terms
        return "zh" if enough_cjk else UNDETERMINED
    if len(sample.strip()) < min_chars or not latin:
        return UNDETERMINED
    return _classify(sample, min_confidence)


# Decisions (language or "und") on samples already classified in bulk (langid_batch), per confidence
# threshold, so the per-row rule that runs afterwards on the same sample does not classify it again.
# A memo of a pure function.
_DECIDED: dict[tuple[str, float], str] = {}
MEMO_LIMIT = 100_000


def remember(samples: list[str], min_confidence: float, decisions: list[str]) -> None:
    if len(_DECIDED) + len(samples) > MEMO_LIMIT:
        _DECIDED.clear()
    _DECIDED.update(zip(((sample, min_confidence) for sample in samples), decisions, strict=True))


def decide(language: str, confidence: float, min_confidence: float) -> str:
    if language == "zxx" or confidence < min_confidence:  # zxx: "no linguistic content"
        return UNDETERMINED
    return language


def _classify(sample: str, min_confidence: float) -> str:
    known = _DECIDED.get((sample, min_confidence))
    if known is not None:
        return known
    language, confidence = _model().classify(sample)
    return decide(str(language), confidence, min_confidence)
