"""The `near_dedup:` and `decontamination:` sections of curation.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sft_assets.core.settings_base import Strict


class NearDedupConfig(Strict):
    """MinHash LSH near-duplicate detection; clusters keep one representative."""


    enabled: bool = True
    text: Literal["user", "assistant", "conversation"] = "conversation"  # which turns are hashed
    # Defaults chosen on the tune half of sft_assets_tests/benchmarks/near_dup_labeled.py (--grid): bigrams
    # at 0.55 catch 5-15% word/character insertions, deletions and substitutions that trigrams at 0.7 missed,
    # and still keep apart texts that share topic words or only half their text; unigrams would merge
    # reorderings with another meaning ("5 km to miles" and "5 miles to km").
    ngram_words: int = Field(default=2, ge=1)  # word shingles for Latin-script text
    ngram_chars: int = Field(default=2, ge=1)  # character shingles for Chinese/Japanese/Korean text
    num_perm: int = Field(default=128, ge=16, le=1024)
    threshold: float = Field(default=0.55, gt=0, lt=1)  # estimated Jaccard a candidate pair must reach
    min_shingles: int = Field(default=5, ge=1)  # fewer shingles: compared exactly, never by MinHash
    keep: Literal["longest", "first"] = "longest"  # representative when no quality score exists
    seed: int = 1


class EvalSet(Strict):

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    path: str  # file under data_root
    format: Literal["auto", "questions"] = "auto"  # auto: any SFT format (user turns); questions: plain items
    field: str | None = None  # for `questions` records that are objects: the field holding the question


class DecontaminationConfig(Strict):
    """Drop examples whose user turns overlap an eval item (long n-gram, or MinHash near-match)."""


    eval_sets: list[EvalSet] = []
    ngram_words: int = Field(default=13, ge=3)
    ngram_chars: int = Field(default=20, ge=5)  # the Chinese equivalent of 13 words
    near_threshold: float = Field(default=0.7, gt=0, lt=1)
