"""The `filter:` section of curation.yaml: one entry per rule, each with its action and thresholds."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal["drop", "flag", "off"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    action: Action = "drop"


class TokenLengthRule(_Rule):
    """Token bounds (offline tokenizer) on the whole example and per role."""

    min_example_tokens: int = Field(default=8, ge=0)
    max_example_tokens: int = Field(default=8192, gt=0)
    max_user_tokens: int = Field(default=4096, gt=0)
    max_assistant_tokens: int = Field(default=4096, gt=0)


class EmptyOutputRule(_Rule):
    """A turn that is empty after cleaning, or an assistant reply that is only a placeholder (<nooutput>, N/A)."""


class RefusalRule(_Rule):
    """Assistant replies that only refuse or disclaim ("I cannot ...", "As an AI language model", "作为一个AI")."""

    action: Action = "flag"
    max_words: int = Field(default=60, gt=0)  # longer replies that start with a disclaimer still answer


class PlaceholderRule(_Rule):
    """Template placeholders left in the text ({{name}}, [INSERT ...], <PLACEHOLDER>)."""


class RepetitionRule(_Rule):
    """Repeated lines or n-grams in prose (code blocks are not measured)."""

    max_duplicate_line_ratio: float = Field(default=0.3, ge=0, le=1)
    max_duplicate_ngram_ratio: float = Field(default=0.5, ge=0, le=1)
    ngram_words: int = Field(default=5, ge=1)
    ngram_chars: int = Field(default=10, ge=1)  # for Chinese/Japanese text
    min_lines: int = Field(default=4, ge=2)
    min_line_chars: int = Field(default=10, ge=1)  # shorter lines ($$, ---, ...) are not compared
    min_ngrams: int = Field(default=40, ge=1)


class SpecialCharsRule(_Rule):
    """Share of prose characters that are neither letters, digits, CJK, whitespace nor common punctuation."""

    max_ratio: float = Field(default=0.3, ge=0, le=1)
    min_chars: int = Field(default=20, ge=1)


class TooFewWordsRule(_Rule):
    """Fewer words (CJK characters count as words) than this in user and assistant turns together."""

    min_words: int = Field(default=3, ge=0)


class LanguageRule(_Rule):
    """Reply language outside the allowed list (drop), or prompt and reply in different languages when the
    task is not a translation (flagged as language_mismatch)."""

    allowed: list[str] = ["en", "zh"]
    mismatch_action: Action = "flag"
    min_chars: int = Field(default=40, ge=1)  # shorter texts are not identified (too little signal)
    min_confidence: float = Field(default=0.9, ge=0, le=1)


class UnseenContentRule(_Rule):
    """Prompts that point at what a text model cannot see: attachments, image/media links, pages to read."""


class MediaRequestRule(_Rule):
    """Prompts asking a text model to produce an image, audio or video."""


class TruncatedRule(_Rule):
    """Replies with an unclosed code fence, or (flagged) that stop mid-sentence."""

    mid_sentence_action: Action = "flag"
    min_chars_for_mid_sentence: int = Field(default=200, ge=1)


class EmptyCodeRule(_Rule):
    """Code requests answered with an empty code block (drop) or with no code at all (flagged as no_code)."""

    min_code_chars: int = Field(default=10, ge=0)
    no_code_action: Action = "flag"


class FilterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    token_length: TokenLengthRule = TokenLengthRule()
    empty_output: EmptyOutputRule = EmptyOutputRule()
    refusal: RefusalRule = RefusalRule()
    placeholder: PlaceholderRule = PlaceholderRule()
    repetition: RepetitionRule = RepetitionRule()
    special_chars: SpecialCharsRule = SpecialCharsRule()
    too_few_words: TooFewWordsRule = TooFewWordsRule()
    language: LanguageRule = LanguageRule()
    unseen_content: UnseenContentRule = UnseenContentRule()
    media_request: MediaRequestRule = MediaRequestRule()
    truncated: TruncatedRule = TruncatedRule()
    empty_code: EmptyCodeRule = EmptyCodeRule()
