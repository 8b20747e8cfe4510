"""Text transforms applied to every message; each is a small object with one job and a name for the log.

A transform returns the new text; the cleaning step compares and logs a `modified` event when it changed.
Code (fenced blocks) is never touched by the HTML, boilerplate and whitespace transforms.

Each transform declares `pattern`: a Python regex that occurs in every text the transform can change. Its
`hint`, the RE2 pattern the pre-scan searches, is derived from it (`superset`), never written by hand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

from sft_assets.core.segments import map_prose
from sft_assets.kernels.re2_bounds import superset

# --- Unicode repair -------------------------------------------------------------------------------

# UTF-8 read as Latin-1/cp1252 leaves a lead-byte letter followed by a continuation-range character.
MOJIBAKE_HINT = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")


@dataclass(frozen=True)
class UnicodeRepair:
    """Fix mojibake (text decoded with the wrong codec) with ftfy; only texts that show the symptom are passed
    to it, so clean text costs one regex scan."""

    name: str = "unicode_repair"
    pattern = MOJIBAKE_HINT

    @property
    def hint(self) -> str:
        return superset(self.pattern)

    def __call__(self, text: str) -> str:
        if text.isascii() or not MOJIBAKE_HINT.search(text):
            return text
        import ftfy

        config = ftfy.TextFixerConfig(
            unescape_html=False, fix_latin_ligatures=False, fix_character_width=False, uncurl_quotes=False,
            fix_line_breaks=False, normalization=None, explain=False,
        )
        return ftfy.fix_text(text, config=config)


# --- Control, escape and zero-width characters ----------------------------------------------------

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class ControlChars:
    """Remove terminal escape sequences, control characters (except tab and newlines), zero-width and
    bidirectional-override characters."""

    name: str = "control_chars"
    pattern = INVISIBLE  # terminal escapes start with one (ESC)

    @property
    def hint(self) -> str:
        return superset(self.pattern)

    def __call__(self, text: str) -> str:
        if text.isascii() and text.isprintable():
            return text
        return INVISIBLE.sub("", ANSI_ESCAPE.sub("", text))


# --- HTML ----------------------------------------------------------------------------------------

HTML_TAGS = (
    "a abbr b big blockquote body br center div em font h1 h2 h3 h4 h5 h6 head hr html i img li ol p "
    "script small span strong style sub sup table tbody td tfoot th thead title tr u ul"
).split()
HTML_HINT = re.compile(r"</?(?:" + "|".join(HTML_TAGS) + r")\b[^>]*>|&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,6});", re.I)
BLOCK_TAGS = frozenset("blockquote br div h1 h2 h3 h4 h5 h6 hr li ol p table tr ul".split())
SKIP_TAGS = frozenset(("script", "style", "head", "title"))


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIP_TAGS:
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    # text that came out of markup has no meaningful indentation: trim every line
    text = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text)


@dataclass(frozen=True)
class HtmlStrip:
    """Strip HTML tags and decode entities in prose with a real HTML parser (html.parser); fenced code and
    `inline code` are left as they are, and text without a known HTML tag or entity is not parsed at all."""

    name: str = "html"
    pattern = HTML_HINT

    @property
    def hint(self) -> str:
        return superset(self.pattern)

    def __call__(self, text: str) -> str:
        if "<" not in text and "&" not in text:
            return text
        return map_prose(text, self._strip, protect_inline_code=True)

    @staticmethod
    def _strip(prose: str) -> str:
        if not HTML_HINT.search(prose):
            return prose
        lead = prose[: len(prose) - len(prose.lstrip())]
        trail = prose[len(prose.rstrip()):]
        return lead + html_to_text(prose).strip() + trail


# --- Boilerplate and ad lines --------------------------------------------------------------------

DEFAULT_BOILERPLATE = (
    r"(?i)^\W*(please\s+)?(like|follow|subscribe)\b.*\b(subscribe|follow|channel|newsletter|us)\b.*$",
    r"(?i)^\W*(click|tap)\s+(here|the link)\b.*$",
    r"(?i)^\W*(share this|don't forget to (like|subscribe|share))\b.*$",
    r"^\W*(欢迎)?(关注|点赞|转发|收藏|订阅)(我们|公众号|本号|一下|支持)?[，,、！!。.\s]*(点赞|转发|收藏|关注|评论|订阅)?.*$",
    r"^\W*(扫码|扫描二维码|长按识别).*$",
    r"^\W*(本文)?(转载自|原文链接|来源[:：]|更多精彩内容).*$",
    # ads: a store or channel plug, a promo code, a sponsor line, a buy-now call, a contact to add
    r"(?i)^\W*(visit|check out)\s+(our|my)\s+(website|site|store|shop|online store|blog|channel)\b.*$",
    r"(?i)^\W*(use|enter|apply)\s+(the\s+)?(promo|coupon|discount)\s+code\b.*$",
    r"(?i)^\W*((this\s+(post|article|video)\s+is\s+)?sponsored\s+by|advertisement\b|sponsored\s+content\b).*$",
    r"(?i)^\W*(buy|order|shop)\s+now\b.*$",
    r"(?i)^\W*find\s+(us|me)\s+on\s+(twitter|facebook|instagram|tiktok|youtube|linkedin|weibo)\b.*$",
    r"(?i)^\W*(欢迎)?(加|添加)(我的?|小编)?(微信|vx|v信|qq)(号|群)?\s*[:：]?\s*[a-z0-9_-]{3,}.*$",
    r"(?i)^\W*(微信|vx|qq)(号|群号?)\s*[:：].*$",
    r"^\W*((点击|戳)(下方)?(链接|这里)?(购买|领取|下单|抢购|报名)|点击阅读原文).*$",
    r"^\W*(限时|特价|优惠券|折扣码|领券).*(购买|下单|抢购|领取|点击|链接).*$",
    r"^\W*(广告|推广|赞助)\s*[:：|丨].*$",
    r"^\W*本(文|期|视频|节目)由.{1,30}(赞助|冠名|提供支持).*$",
    r"^\W*(更多(精彩|内容|资讯|干货|详情)请|欢迎(访问|进群|加入我们的)).*$",
)
LINK_ONLY = re.compile(r"^\s*(?:[-*•]\s*)?(?:<)?https?://\S+(?:>)?\s*$")


@lru_cache(maxsize=8)
def _lines_hint(patterns: tuple[re.Pattern[str], ...]) -> str:
    try:
        return "|".join(f"(?:{superset(p, lines=True)})" for p in patterns)
    except ValueError:  # a user pattern RE2 cannot bound (a backreference): every text is searched in Python
        return "."


@lru_cache(maxsize=8)
def _compiled_hint(hint: str):
    import re2

    return re2.compile(hint)


@dataclass(frozen=True)
class Boilerplate:
    """Remove whole prose lines that match ad/boilerplate patterns (English and Chinese), and lines that
    hold nothing but a link.

    Args:
        patterns: regular expressions matched against each stripped prose line.
        remove_link_only_lines: also drop lines whose whole content is one URL.
    """

    patterns: Sequence[str] = DEFAULT_BOILERPLATE
    remove_link_only_lines: bool = True
    name: str = "boilerplate"
    _compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", tuple(re.compile(p, re.M) for p in self.patterns))
        # one multi-line search over the whole text decides whether any line needs a closer look
        anywhere = [p.replace("^", "^[ \t]*", 1) for p in self.patterns]
        combined = "|".join(f"(?:{re.sub(r'^[(][?][a-zA-Z]+[)]', '', p)})" for p in anywhere)
        flags = re.M | (re.I if any(p.startswith("(?i)") for p in self.patterns) else 0)
        object.__setattr__(self, "_any", re.compile(combined, flags))

    @property
    def line_patterns(self) -> tuple[re.Pattern[str], ...]:
        """What each removed (stripped) line matches: an ad pattern, or a link alone."""
        return (*self._compiled, *((LINK_ONLY,) if self.remove_link_only_lines else ()))

    @property
    def hint(self) -> str:
        """Lines a pattern could match, anywhere in the text ("." when a pattern has no RE2 superset)."""
        return _lines_hint(self.line_patterns)

    def __call__(self, text: str) -> str:
        if not _compiled_hint(self.hint).search(text):  # one RE2 search rules most texts out
            return text
        if not self._any.search(text) and not (self.remove_link_only_lines and "http" in text):
            return text
        return map_prose(text, self._clean)

    def _clean(self, prose: str) -> str:
        lines = prose.splitlines(keepends=True)
        kept = [line for line in lines if not self._is_boilerplate(line.strip())]
        return prose if len(kept) == len(lines) else "".join(kept)

    def _is_boilerplate(self, line: str) -> bool:
        if not line:
            return False
        if self.remove_link_only_lines and LINK_ONLY.match(line):
            return True
        return any(p.match(line) for p in self._compiled)


# --- Whitespace and newline standardization -----------------------------------------------------

BLANK_RUNS = re.compile(r"\n\n\n+")  # a literal start: re finds it many times faster than \n{3,}


def _squeeze_blank_runs(text: str, blank: str) -> str:
    return BLANK_RUNS.sub(blank, text) if "\n\n\n" in text else text  # find() is far faster than the regex


def _strip_line_ends(text: str) -> str:
    """Spaces and tabs removed before every newline and at the end."""
    return "\n".join(line.rstrip(" \t") for line in text.split("\n"))


@dataclass(frozen=True)
class Whitespace:
    """Standardize prose: CRLF/CR to LF, no trailing spaces on lines, at most one blank line in a row, no
    leading/trailing blank space around the message. Code blocks keep their exact whitespace."""

    max_blank_lines: int = 1
    name: str = "whitespace"

    @property
    def pattern(self) -> re.Pattern[str]:
        """What every text this transform changes holds: a CR, a space or tab before a line break, a run of
        more blank lines than allowed, or blank space at either end."""
        return re.compile(rf"\r| \n|\t\n|\n{{{self.max_blank_lines + 2}}}|^\s|\s$")

    @property
    def hint(self) -> str:
        return superset(self.pattern)

    def __call__(self, text: str) -> str:
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        blank = "\n" * (self.max_blank_lines + 1)
        if " \n" not in text and "\t\n" not in text and blank + "\n" not in text:
            stripped = text.rstrip().lstrip("\n")
            return stripped if stripped[:1] in (" ", "\t") else stripped.lstrip()
        text = map_prose(text, lambda p: _squeeze_blank_runs(_strip_line_ends(p), blank)).rstrip()
        text = text.lstrip("\n")
        return text if text[:1] in (" ", "\t") else text.lstrip()  # keep a leading code indent


# --- "No input" markers --------------------------------------------------------------------------

NO_INPUT = re.compile(
    r"\n\n\s*(?:<\s*no\s*_?input\s*>|no\s+input\.?|n/?a\.?|none\.?|null|nil|-+|无|无输入|空)\s*$", re.I
)


@dataclass(frozen=True)
class NoInputMarker:
    """Remove an Alpaca-style "no input" marker (`<noinput>`, `No Input`, `N/A`, ...) that ingest appended to
    a user turn as its input, so those examples match the ones with an empty input."""

    name: str = "no_input"
    pattern = NO_INPUT

    @property
    def hint(self) -> str:
        return superset(self.pattern)

    def __call__(self, text: str) -> str:
        return NO_INPUT.sub("", text) if "\n\n" in text else text
