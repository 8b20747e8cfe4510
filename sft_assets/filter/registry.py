"""The filter rules in evaluation order: the only place order lives. Cheap rules first: evaluation of an
example stops at the first drop."""

from __future__ import annotations

from sft_assets.filter.rules.base import Rule
from sft_assets.filter.rules.empty_code import EmptyCode
from sft_assets.filter.rules.empty_output import EmptyOutput
from sft_assets.filter.rules.language import Language
from sft_assets.filter.rules.media_request import MediaRequest
from sft_assets.filter.rules.placeholder import Placeholder
from sft_assets.filter.rules.refusal import Refusal
from sft_assets.filter.rules.repetition import Repetition
from sft_assets.filter.rules.short_reply import ShortReply
from sft_assets.filter.rules.special_chars import SpecialChars
from sft_assets.filter.rules.token_length import TokenLength
from sft_assets.filter.rules.too_few_words import TooFewWords
from sft_assets.filter.rules.truncated import Truncated
from sft_assets.filter.rules.unseen_content import UnseenContent

RULES: tuple[type[Rule], ...] = (
    EmptyOutput, TooFewWords, ShortReply, Placeholder, UnseenContent, MediaRequest, Truncated, EmptyCode, Refusal,
    SpecialChars, Repetition, TokenLength, Language,
)
