"""The `filter:` section of curation.yaml: one field per rule (its name), holding the rule's own settings.

The field list is the YAML contract, written out so a reader sees every key; a test checks that it names
exactly the rules in `registry.RULES`.
"""

from __future__ import annotations

from sft_assets.core.settings_base import Strict
from sft_assets.filter.rules.base import RuleSettings
from sft_assets.filter.rules.empty_code import EmptyCodeSettings
from sft_assets.filter.rules.empty_output import EmptyOutputSettings
from sft_assets.filter.rules.language import LanguageSettings
from sft_assets.filter.rules.media_request import MediaRequestSettings
from sft_assets.filter.rules.placeholder import PlaceholderSettings
from sft_assets.filter.rules.refusal import RefusalSettings
from sft_assets.filter.rules.repetition import RepetitionSettings
from sft_assets.filter.rules.short_reply import ShortReplySettings
from sft_assets.filter.rules.special_chars import SpecialCharsSettings
from sft_assets.filter.rules.token_length import TokenLengthSettings
from sft_assets.filter.rules.too_few_words import TooFewWordsSettings
from sft_assets.filter.rules.truncated import TruncatedSettings
from sft_assets.filter.rules.unseen_content import UnseenContentSettings


class FilterConfig(Strict):
    token_length: TokenLengthSettings = TokenLengthSettings()
    empty_output: EmptyOutputSettings = EmptyOutputSettings()
    refusal: RefusalSettings = RefusalSettings()
    placeholder: PlaceholderSettings = PlaceholderSettings()
    repetition: RepetitionSettings = RepetitionSettings()
    special_chars: SpecialCharsSettings = SpecialCharsSettings()
    too_few_words: TooFewWordsSettings = TooFewWordsSettings()
    short_reply: ShortReplySettings = ShortReplySettings()
    language: LanguageSettings = LanguageSettings()
    unseen_content: UnseenContentSettings = UnseenContentSettings()
    media_request: MediaRequestSettings = MediaRequestSettings()
    truncated: TruncatedSettings = TruncatedSettings()
    empty_code: EmptyCodeSettings = EmptyCodeSettings()

    def of(self, rule_name: str) -> RuleSettings:
        return getattr(self, rule_name)
