"""The `clean:` section of curation.yaml: which cleaning steps run, and what happens to each kind of PII."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from sft_assets.core.settings_base import Strict

PiiAction = Literal["redact", "drop", "flag", "off"]


class PiiConfig(Strict):
    """Per type of personal data or secret: redact to a typed placeholder, drop the record, flag it, or off."""

    email: PiiAction = "redact"
    phone: PiiAction = "redact"
    cn_id: PiiAction = "redact"
    bank_card: PiiAction = "redact"
    ip: PiiAction = "redact"
    openai_key: PiiAction = "redact"
    aws_key: PiiAction = "redact"
    github_token: PiiAction = "redact"
    private_key: PiiAction = "redact"
    generic_secret: PiiAction = "redact"


class BoilerplateConfig(Strict):
    enabled: bool = True
    extra_patterns: list[str] = []  # regular expressions added to the built-in English/Chinese ad patterns
    remove_link_only_lines: bool = True

    @field_validator("extra_patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
        return value


class CleanConfig(Strict):
    unicode_repair: bool = True
    control_chars: bool = True
    html: bool = True
    boilerplate: BoilerplateConfig = BoilerplateConfig()
    whitespace: bool = True
    max_blank_lines: int = Field(default=1, ge=0)
    no_input: bool = True
    pii: PiiConfig = PiiConfig()
