"""Find personal data and secrets in text and redact them to typed placeholders.

Each detector is a candidate regex plus, where one exists, a validator (Luhn for bank cards, the GB 11643
checksum for Chinese resident IDs, libphonenumber for international phone numbers, Shannon entropy from
detect-secrets for generic secrets). Only the type and the count of a finding leave this module: matched
values are never returned, logged or stored.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from sft_assets.kernels.re2_bounds import non_ascii_digit, superset
from sft_assets.kernels.re2_set import PatternSet, pattern_set

PII_TYPES = (
    "private_key", "openai_key", "aws_key", "github_token", "email", "cn_id", "bank_card", "phone", "ip",
    "generic_secret",
)
SECRET_TYPES = frozenset({"private_key", "openai_key", "aws_key", "github_token", "generic_secret"})


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CN_ID_CHECK = "10X98765432"


def cn_id_valid(value: str) -> bool:
    """A mainland resident ID: 17 digits, a real birth date, and the GB 11643 check character."""
    value = value.upper()
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not 1900 <= int(value[6:10]) <= 2100:
        return False
    check = sum(int(d) * w for d, w in zip(value[:17], CN_ID_WEIGHTS, strict=True)) % 11
    return CN_ID_CHECK[check] == value[17]


def _card_valid(match: str) -> bool:
    digits = re.sub(r"[ -]", "", match)
    return 13 <= len(digits) <= 19 and digits[0] in "3456" and luhn_valid(digits)


def _ipv6_valid(match: str) -> bool:
    """An IPv6 address (compressed or full) holding a digit (so not a scope like A::B); not a time like 12:30:45."""
    import ipaddress

    if not any(ch.isdigit() for ch in match):
        return False
    try:
        ipaddress.IPv6Address(match)
    except ValueError:
        return False
    return True


def _phone_valid(match: str, region: str = "US") -> bool:
    """A valid number for libphonenumber: international when it starts with "+", else in `region`."""
    import phonenumbers

    try:
        number = phonenumbers.parse(match, None if match.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def _cn_phone_valid(match: str) -> bool:
    return _phone_valid(match, "CN")


@lru_cache(maxsize=1)
def _entropy_plugins():
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString

    return Base64HighEntropyString(limit=4.5), HexHighEntropyString(limit=3.0)


HEX = re.compile(r"^[0-9a-fA-F]+$")


def _high_entropy(match: str) -> bool:
    base64_plugin, hex_plugin = _entropy_plugins()
    value = match
    if len(value) < 20 or not re.search(r"\d", value) or not re.search(r"[A-Za-z]", value):
        return False
    if HEX.match(value):
        return hex_plugin.calculate_shannon_entropy(value) > hex_plugin.entropy_limit
    return base64_plugin.calculate_shannon_entropy(value) > base64_plugin.entropy_limit


@dataclass(frozen=True)
class Detector:
    """A kind of finding: the exact pattern (Python re), whose RE2 superset `candidate` is searched first,
    because RE2 scans text an order of magnitude faster and most texts hold nothing."""

    kind: str
    pattern: re.Pattern[str]
    valid: Callable[[str], bool] | None = None
    group: int = 0  # which group of the match is the sensitive value

    @cached_property
    def candidate(self) -> str:
        """Only where the text holds no candidate_hazard() (then every detector is tried in Python)."""
        return superset(self.pattern, ascii_digits=True)


DETECTORS: tuple[Detector, ...] = (
    Detector("private_key", re.compile(
        r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )*PRIVATE KEY-----|$)")),
    Detector("openai_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    Detector("aws_key", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    Detector("github_token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b")),
    # bounded by what cannot continue an address (not \\b: a Chinese character next to it is a word character)
    Detector("email", re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])")),
    Detector("cn_id", re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])"), cn_id_valid),
    Detector("bank_card", re.compile(r"(?<![\d-])(?:\d{4}[ -]?){3}\d{1,7}(?![\d-])"), _card_valid),
    Detector("phone", re.compile(r"(?<![\d+])(?:\+?86[- ]?)?1[3-9]\d(?:\d{8}| \d{4} \d{4}|-\d{4}-\d{4})(?!\d)")),
    # international numbers in any grouping ("+49 30 901820", "+33 1 42 68 53 00"), checked by libphonenumber;
    # bounded by ASCII word characters only (a Chinese character right before the number is not part of it)
    Detector("phone", re.compile(r"(?<![A-Za-z0-9_+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\d-])"), valid=_phone_valid),
    Detector("phone", re.compile(r"(?<![A-Za-z0-9_+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)|\d{2,4})[ .-]\d{3,4}[ .-]\d{3,4}(?!\d)"), valid=_phone_valid),
    # Chinese landlines: area code 0xx(x), a dash, 7-8 digits ("010-62345678")
    Detector("phone", re.compile(r"(?<![\d-])0\d{2,3}-\d{7,8}(?![\d-])"), valid=_cn_phone_valid),
    # a sentence may end right after the address: a period not followed by a digit ends it
    Detector("ip", re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d)")),
    Detector("ip", re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"), _ipv6_valid),
    Detector("generic_secret", re.compile(
        r"(?i)(?:api[_-]?key|secret|token|passw(?:or)?d|access[_-]?key)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9+/_\-.=]{20,})"),
        _high_entropy, group=1),
)


def candidates() -> PatternSet:
    """The detectors' candidate patterns, compiled for RE2 as one set."""
    return pattern_set(tuple(d.candidate for d in DETECTORS))


def candidate_hazard() -> str:
    """Texts where a candidate may miss a match: they hold a digit of another script (candidates read \\d
    as ASCII digits)."""
    return non_ascii_digit()


@lru_cache(maxsize=1)
def _hazard():
    import re2

    return re2.compile(candidate_hazard())


def detectors_to_try(text: str) -> list[int]:
    """Indices of the detectors whose pattern may occur in the text, in their fixed order."""
    if text.isascii() or not _hazard().search(text):
        return candidates().found_in(text)
    return list(range(len(DETECTORS)))


@dataclass(frozen=True)
class Redaction:
    text: str
    counts: Counter[str]


def placeholder(kind: str) -> str:
    return f"[{kind.upper()}]"


def find_pii(text: str, kinds: frozenset[str] | None = None) -> Counter[str]:
    return redact(text, kinds=kinds, replace=False).counts


def redact(text: str, kinds: frozenset[str] | None = None, replace: bool = True) -> Redaction:
    """Replace every finding of the wanted kinds with its placeholder; report counts per kind."""
    counts: Counter[str] = Counter()
    # Detectors run in their fixed order. A placeholder ("[EMAIL]") never creates a candidate, and a
    # pattern finds nothing where its candidate is absent, so the candidates of the original text suffice.
    for index in detectors_to_try(text):
        detector = DETECTORS[index]
        if kinds is not None and detector.kind not in kinds:
            continue

        def substitute(match: re.Match[str], detector: Detector = detector) -> str:
            whole, value = match.group(0), match.group(detector.group)
            if detector.valid is not None and not detector.valid(value):
                return whole
            counts[detector.kind] += 1
            return whole.replace(value, placeholder(detector.kind)) if replace else whole

        text = detector.pattern.sub(substitute, text)
    return Redaction(text, counts)


@lru_cache(maxsize=1)
def _secret_gate():
    """One RE2 search for any secret's candidate (secret patterns hold no \\d: no digit hazard)."""
    import re2

    return re2.compile("|".join(f"(?:{d.candidate})" for d in DETECTORS if d.kind in SECRET_TYPES))


def tool_call_arguments(message: dict[str, Any]) -> list[str]:
    """The argument strings of a message's tool calls (they carry user data too: recipients, accounts)."""
    found = []
    for call in message.get("tool_calls") or ():
        function = call.get("function") if isinstance(call, dict) else None
        arguments = function.get("arguments") if isinstance(function, dict) else None
        if isinstance(arguments, str):
            found.append(arguments)
    return found


def _texts(messages: list[dict[str, Any]]) -> str:
    parts = [m["content"] for m in messages if isinstance(m.get("content"), str)]
    parts += [arguments for message in messages for arguments in tool_call_arguments(message)]
    return "\n".join(parts)


def mask_secrets(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Counter[str]]:
    """The messages with every secret (keys, tokens, private keys) in their texts and tool-call arguments
    replaced by its placeholder, and the count per kind; the same list when there is none."""
    counts: Counter[str] = Counter()
    if not _secret_gate().search(_texts(messages)):  # most conversations hold none: one search rules them out
        return messages, counts
    masked = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str) and content:
            redaction = redact(content, kinds=SECRET_TYPES)
            if redaction.counts:
                counts.update(redaction.counts)
                message = {**message, "content": redaction.text}
        if message.get("tool_calls"):
            message = {**message, "tool_calls": [_mask_call(call, counts) for call in message["tool_calls"]]}
        masked.append(message)
    return (masked, counts) if counts else (messages, counts)


def _mask_call(call: Any, counts: Counter[str]) -> Any:
    function = call.get("function") if isinstance(call, dict) else None
    arguments = function.get("arguments") if isinstance(function, dict) else None
    if not isinstance(arguments, str) or not arguments:
        return call
    redaction = redact(arguments, kinds=SECRET_TYPES)
    if not redaction.counts:
        return call
    counts.update(redaction.counts)
    return {**call, "function": {**function, "arguments": redaction.text}}


def mask_secrets_in_text(text: str) -> tuple[str, Counter[str]]:
    """A raw text (a quarantined row) with its secrets replaced by their placeholders."""
    if not _secret_gate().search(text):
        return text, Counter()
    redaction = redact(text, kinds=SECRET_TYPES)
    return redaction.text, redaction.counts
