"""Language identification that works offline: script counts for CJK, an English function-word shortcut,
and py3langid (which ships its model inside the package) for everything else.

`detect_language` and `script_family` decide one text; `reply_languages` and `script_families` give the
same answers for every row of a FilterBatch at once (rows that need the model come back as NEEDS_MODEL),
and `decide_many` runs the model over many samples in one compiled pass.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from sft_assets.adapters.py3langid import classify_near_threshold, identifier
from sft_assets.filter.batch import FilterBatch

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

Known = dict[tuple[str, float], str]  # (sample, min_confidence) -> decision already made for that sample


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


def detect_language(text: str, min_chars: int = 40, min_confidence: float = MIN_CONFIDENCE,
                    known: Known | None = None) -> str:
    """An ISO 639-1 code, or "und" when the text is too short, has no letters, or the model is unsure."""
    sample = text[:SAMPLE_CHARS]
    if sample.isascii():
        if len(sample.strip()) < min_chars:
            return UNDETERMINED
        words = sample.lower().split()
        markers = sum(1 for w in words if w.strip(MARKER_PUNCT) in ENGLISH_MARKERS)
        if markers >= 3 and markers * 8 >= len(words):
            return "en"
        return _classify(sample, min_confidence, known) if LATIN_WORD.search(sample) else UNDETERMINED
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
    return _classify(sample, min_confidence, known)


def decide(language: str, confidence: float, min_confidence: float) -> str:
    if language == "zxx" or confidence < min_confidence:  # zxx: "no linguistic content"
        return UNDETERMINED
    return language


def decide_many(samples: list[str], min_confidence: float) -> list[str]:
    """[decide(*model.classify(sample), min_confidence)] for every sample, in one compiled pass."""
    return [decide(language, confidence, min_confidence)
            for language, confidence in classify_near_threshold(samples, min_confidence)]


def _classify(sample: str, min_confidence: float, known: Known | None) -> str:
    decided = known.get((sample, min_confidence)) if known else None
    if decided is not None:
        return decided
    language, confidence = identifier().classify(sample)
    return decide(str(language), confidence, min_confidence)


# --- the same decisions for every row of a batch -------------------------------------------------------

LANGUAGE_CODES = ("und", "en", "zh", "ja", "ko", "latin", "cjk", "model")
UND, EN, ZH, JA, KO, LATIN, CJK, NEEDS_MODEL = range(len(LANGUAGE_CODES))


@lru_cache(maxsize=1)
def _script_table() -> np.ndarray:
    """Han 1, kana 2, hangul 3, ASCII letter 4 (the classes counted above), else 0."""
    table = np.zeros(0x110000, dtype=np.uint8)
    for value, pattern in enumerate((HAN.pattern, KANA.pattern, HANGUL.pattern, "[A-Za-z]"), 1):
        table[FilterBatch.char_class(pattern)] = value
    return table


class SampleStats:
    """What the functions above count in a text's first SAMPLE_CHARS characters, for every row at once."""

    def __init__(self, batch: FilterBatch, name: str) -> None:
        self.batch, self.name = batch, name
        counts, non_ascii, self.stripped, self.words = batch.sample_counts(name, SAMPLE_CHARS, _script_table(), 4)
        self.han, self.kana, self.hangul, self.latin = counts.T
        self.ascii = non_ascii == 0

    def markers(self, wanted: np.ndarray) -> np.ndarray:
        """English marker words in the sample, for the rows `wanted` (0 elsewhere)."""
        return self.batch.words_in_set(self.name, SAMPLE_CHARS, ENGLISH_MARKERS, MARKER_PUNCT, wanted)


def script_families(sample: SampleStats) -> np.ndarray:
    """script_family for every row: LATIN, CJK or UND."""
    cjk = sample.han + sample.kana + sample.hangul
    family = np.where(cjk * CJK_WEIGHT >= sample.latin, CJK, LATIN)
    return np.where((cjk == 0) & (sample.latin == 0), UND, family)


def reply_languages(sample: SampleStats, min_chars: int) -> np.ndarray:
    """detect_language for every row, except that rows the model would decide come back as NEEDS_MODEL."""
    han, kana, hangul, latin = sample.han, sample.kana, sample.hangul, sample.latin
    short = sample.stripped < min_chars
    markers = sample.markers(sample.ascii & ~short)  # detect_language counts them for these only
    english = ~short & (markers >= 3) & (markers * 8 >= sample.words)
    ascii_code = np.where(short, UND, np.where(english, EN, np.where(latin > 0, NEEDS_MODEL, UND)))
    enough_cjk = han + kana + hangul >= min_chars // 4
    other = np.where((short | (latin == 0)), UND, NEEDS_MODEL)
    other = np.where((han > 0) & (han * CJK_WEIGHT >= latin), np.where(enough_cjk, ZH, UND), other)
    other = np.where((hangul > 0) & (hangul * CJK_WEIGHT >= latin), np.where(enough_cjk, KO, UND), other)
    other = np.where((kana > 0) & ((kana + han) * CJK_WEIGHT >= latin), np.where(enough_cjk, JA, UND), other)
    return np.where(sample.ascii, ascii_code, other)
