"""Reply language outside the allowed list (drop), or prompt and reply in different writing systems when the
task is not a translation (flagged as language_mismatch)."""

from __future__ import annotations

import re

import numpy as np
from pydantic import Field

from sft_assets.core.segments import prose_only
from sft_assets.filter import langid
from sft_assets.filter.batch import FENCE, FilterBatch
from sft_assets.filter.rules.base import Action, ExampleView, Rule, RuleSettings, Verdict

MIN_SCRIPT_CHARS = 10  # the writing system is clear from far fewer characters than the language
TRANSLATION = re.compile(r"(?i)\btranslat|\bin (?:english|chinese|french|german|spanish|japanese)\b|翻译|译成|译为|用英文|用中文|英文怎么说")


class LanguageSettings(RuleSettings):
    """Args:
        action: for a reply language outside `allowed`, "drop" (default), "flag" or "off".
        allowed: ISO 639-1 codes of the languages replies may be in.
        mismatch_action: for prompt and reply in different writing systems, "flag" (default), "drop" or "off".
        min_chars: shorter texts are not identified (too little signal).
        min_confidence: the language model's confidence below which a language is undetermined.
    """

    allowed: list[str] = ["en", "zh"]
    mismatch_action: Action = "flag"
    min_chars: int = Field(default=40, ge=1)
    min_confidence: float = Field(default=0.9, ge=0, le=1)


class Language(Rule[LanguageSettings]):
    name = "language"
    reasons = ("language_not_allowed", "language_mismatch")
    settings_class = LanguageSettings

    def check(self, ex: ExampleView) -> Verdict | None:
        c = self.settings
        reply = langid.detect_language(ex.reply_prose, c.min_chars, c.min_confidence, ex.known_languages)
        if reply != langid.UNDETERMINED and reply not in c.allowed:
            return self.verdict("language_not_allowed", reply, ",".join(c.allowed), "language of the reply")
        if c.mismatch_action == "off" or len(ex.user.strip()) < MIN_SCRIPT_CHARS:
            return None
        # the prompt's writing system is enough to see a Chinese prompt answered in English (or the reverse)
        prompt, answer = langid.script_family(prose_only(ex.user)), langid.script_family(ex.reply_prose)
        if langid.UNDETERMINED not in (prompt, answer) and prompt != answer and not TRANSLATION.search(ex.user):
            return self.verdict("language_mismatch", f"{prompt}->{answer}", "same script",
                                "prompt and reply are in different writing systems in a task that is not a translation",
                                action=c.mismatch_action)
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        c = self.settings
        reply = langid.SampleStats(batch, "reply_prose")
        code = langid.reply_languages(reply, c.min_chars)
        allowed = np.array([name in c.allowed for name in langid.LANGUAGE_CODES], dtype=bool)[code]
        speaks = (code != langid.UND) & (code != langid.NEEDS_MODEL) & ~allowed
        need = np.flatnonzero(code == langid.NEEDS_MODEL)
        if need.size:  # classify those samples in bulk; check() finds the decisions in the batch
            samples = [text[:langid.SAMPLE_CHARS] for text in batch.strings("reply_prose", need)]
            found = langid.decide_many(samples, c.min_confidence)
            batch.known_languages.update(zip(((s, c.min_confidence) for s in samples), found, strict=True))
            speaks[need] = [name != langid.UNDETERMINED and name not in c.allowed for name in found]
        if c.mismatch_action == "off":
            return speaks
        # len(user.strip()) >= MIN_SCRIPT_CHARS: the sample settles it unless the user text is longer
        user = langid.SampleStats(batch, "user")
        long_user = (user.stripped >= MIN_SCRIPT_CHARS) | (batch.char_lengths("user") > langid.SAMPLE_CHARS)
        prompt, answer = langid.script_families(user), langid.script_families(reply)
        differ = (prompt != langid.UND) & (answer != langid.UND) & (prompt != answer)
        return speaks | (long_user & (differ | batch.matches("user", FENCE)))
