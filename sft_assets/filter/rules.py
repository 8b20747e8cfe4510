"""The filter rules. Each rule measures one thing on an example and returns verdicts (rule name, action,
measured value, threshold, detail); an empty list means the rule has nothing to say."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from typing import Any

from sft_assets.clean.segments import FENCE_LINE, fence_lines, prose_only, segments
from sft_assets.filter import settings as s
from sft_assets.filter.language import UNDETERMINED, detect_language, script_family
from sft_assets.quality.tokens import TokenBound, token_counter


@dataclass(frozen=True)
class Verdict:
    rule: str
    action: str  # drop | flag
    value: str
    threshold: str | None
    detail: str


UPPER, REST_BYTES = attrgetter("upper"), attrgetter("rest_bytes")


class ExampleView:
    """Views of one conversation that several rules share: the texts every gate reads are built in one
    pass up front, the rest lazily."""

    def __init__(self, messages: list[dict[str, Any]], category: str | None = None, encoding_name: str = "cl100k_base",
                 reply_prose: str | None = None):
        self.messages = messages
        self.category = category
        self.encoding_name = encoding_name
        texts, users, assistants = [], [], []
        for m in messages:
            text = m.get("content") or ""
            texts.append(text)
            if m["role"] == "user":
                users.append(text)
            elif m["role"] == "assistant":
                assistants.append(text)
        self.all_texts = texts
        self.user = "\n".join(users)
        self.assistant = "\n".join(assistants)
        self.every = " ".join(texts)  # all message texts, space-separated
        # the last assistant reply (the one trained on in single-turn data), and its prose
        self.reply = reply = assistants[-1] if assistants else ""
        if reply_prose is None:  # given when already computed (filter gates)
            reply_prose = prose_only(reply) if "```" in reply or "~~~" in reply else reply
        self.reply_prose = reply_prose

    def texts(self, role: str) -> list[str]:
        return [m.get("content") or "" for m in self.messages if m["role"] == role]

    @cached_property
    def user_lower(self) -> str:
        return self.user.lower()

    def texts_of(self, role: str | None) -> list[str]:
        return [m.get("content") or "" for m in self.messages if role is None or m["role"] == role]

    @cached_property
    def _token_bounds(self) -> list[TokenBound]:
        """Per message, an upper bound on its tokens that encodes the message only as far as needed."""
        count = token_counter(self.encoding_name)
        return [TokenBound(text, count) for text in self.all_texts]

    def _bounds_of(self, role: str | None) -> list[TokenBound]:
        bounds = self._token_bounds
        return bounds if role is None else [b for b, m in zip(bounds, self.messages, strict=True) if m["role"] == role]

    def tokens(self, role: str | None = None) -> int:
        """Content tokens (each message encoded once, whatever the number of questions asked)."""
        return sum(b.exact() for b in self._bounds_of(role))

    def tokens_at_most(self, limit: int, role: str | None = None) -> bool:
        """Whether the role's content tokens are within the limit, encoding as little as it takes: the
        message with the most bytes not yet encoded is encoded further until the bounds fit or are exact."""
        bounds = self._bounds_of(role)
        total = sum(map(UPPER, bounds))
        while total > limit:
            widest = max(bounds, key=REST_BYTES)
            if not widest.rest_bytes:
                return False
            before = widest.upper
            widest.tighten(total - limit)
            total -= before - widest.upper
        return True

    def tokens_at_least(self, limit: int) -> bool:
        """The tokenizer splits on whitespace first: at least one token per whitespace-separated word."""
        return has_words(self.every, limit)

    @cached_property
    def empty_turn(self) -> int | None:
        """Index of the first message with neither text nor tool calls."""
        if all(map(str.strip, self.all_texts)):
            return None
        return next((i for i, m in enumerate(self.messages)
                     if not m.get("tool_calls") and not (m.get("content") or "").strip()), None)


CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def has_words(text: str, n: int) -> bool:
    """At least n words, looking at no more of the text than needed."""
    if len(text.split(maxsplit=n)) >= n:
        return True
    # a prefix never has more words than the whole text: a short one usually settles it
    return _words(text[:n * 16]) >= n or (len(text) > n * 16 and _words(text) >= n)


def _words(text: str) -> int:
    """Whitespace-separated words, plus one per CJK character (CJK text has no spaces)."""
    if text.isascii():
        return len(text.split())
    cjk = len(CJK_RUN.findall(text))
    return len(CJK_RUN.sub(" ", text).split()) + cjk


class TokenLength:
    name = "token_length"

    def __init__(self, cfg: s.TokenLengthRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        c = self.cfg
        # exact counts only where cheap bounds cannot decide (the tokenizer is the slow part)
        if not ex.tokens_at_least(c.min_example_tokens):
            total = ex.tokens()
            if total < c.min_example_tokens:
                return [Verdict("too_few_tokens", c.action, str(total), f">={c.min_example_tokens}", "example tokens")]
        if not ex.tokens_at_most(c.max_example_tokens):
            total = ex.tokens()
            if total > c.max_example_tokens:
                return [Verdict("too_many_tokens", c.action, str(total), f"<={c.max_example_tokens}", "example tokens")]
        for role, limit in (("user", c.max_user_tokens), ("assistant", c.max_assistant_tokens)):
            if not ex.tokens_at_most(limit, role):
                n = ex.tokens(role)
                if n > limit:
                    return [Verdict(f"too_many_{role}_tokens", c.action, str(n), f"<={limit}", f"{role} tokens")]
        return []


PLACEHOLDER_OUTPUTS = re.compile(
    r"^\W*(?:<\s*no\s*_?output\s*>|n/?a|none|null|nil|no output|not applicable|tbd|todo|无|暂无|没有|空)\W*$", re.I
)


class EmptyOutput:
    name = "empty_output"

    def __init__(self, cfg: s.EmptyOutputRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        index = ex.empty_turn
        if index is not None:
            role = ex.messages[index]["role"]
            return [Verdict("empty_turn", self.cfg.action, "0", ">0", f"message {index} ({role}) is empty")]
        if PLACEHOLDER_OUTPUTS.match(ex.reply.strip()):
            return [Verdict("placeholder_output", self.cfg.action, ex.reply.strip()[:20], None,
                            "the reply is a placeholder")]
        return []


REFUSAL = re.compile(
    r"(?i)^\W*(?:i'?m sorry,? but |sorry,? but |unfortunately,? )?(?:i (?:cannot|can't|can not|am unable to|"
    r"am not able to|won't|will not|do not have the ability to|don't have the ability to)|"
    r"as an ai(?: language model| assistant)?|as a language model|i'?m just an ai)"
    r"|^\W*(?:抱歉|对不起|很抱歉)?[，,]?\s*(?:作为一个?(?:ai|AI|人工智能|语言模型|AI助手)|我(?:无法|不能|没有办法))"
)


class Refusal:
    name = "refusal"

    def __init__(self, cfg: s.RefusalRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        reply = ex.reply.strip()
        if not REFUSAL.search(reply):
            return []
        words = _words(reply)
        if words > self.cfg.max_words:
            return []
        return [Verdict("refusal", self.cfg.action, str(words), f"<={self.cfg.max_words} words",
                        "the reply only refuses or disclaims")]


PLACEHOLDER = re.compile(r"\{\{\s*[\w.\- ]+\s*\}\}|\[\s*(?:INSERT|PLACEHOLDER|ADD|TODO)\b[^\]]*\]|<\s*(?:INSERT|PLACEHOLDER)\b[^>]*>|【\s*(?:插入|填写)[^】]*】", re.I)


class Placeholder:
    name = "placeholder"

    def __init__(self, cfg: s.PlaceholderRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        for m in ex.messages:
            text = m.get("content") or ""
            if "{{" not in text and "[" not in text and "<" not in text and "【" not in text:
                continue
            found = PLACEHOLDER.search(ex.reply_prose if text is ex.reply else prose_only(text))
            if found:
                return [Verdict("template_placeholder", self.cfg.action, found.group(0)[:40], None,
                                f"the {m['role']} turn holds a template placeholder")]
        return []


NGRAM_SCAN_CHARS = 2000  # degenerate loops show up early; scanning more costs time, not recall
CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


class Repetition:
    name = "repetition"

    def __init__(self, cfg: s.RepetitionRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        c = self.cfg
        prose = ex.reply_prose
        lines = [ln for ln in (raw.strip() for raw in prose.splitlines()) if len(ln) >= c.min_line_chars] \
            if prose.count("\n") >= c.min_lines - 1 else []
        if len(lines) >= c.min_lines:
            dup = 1 - len(set(lines)) / len(lines)
            if dup > c.max_duplicate_line_ratio:
                return [Verdict("repeated_lines", c.action, f"{dup:.2f}", f"<={c.max_duplicate_line_ratio}",
                                f"{len(lines) - len(set(lines))} of {len(lines)} prose lines repeat")]
        grams = self._ngrams(prose[:NGRAM_SCAN_CHARS])
        # each repeated n-gram stands for at least two occurrences: a cheap upper bound first
        if len(grams) >= c.min_ngrams and 2 * (len(grams) - len(set(grams))) / len(grams) > c.max_duplicate_ngram_ratio:
            counts = Counter(grams)
            dup = sum(n for n in counts.values() if n > 1) / len(grams)
            if dup > c.max_duplicate_ngram_ratio:
                return [Verdict("repeated_ngrams", c.action, f"{dup:.2f}", f"<={c.max_duplicate_ngram_ratio}",
                                "share of n-grams that occur more than once")]
        return []

    def _ngrams(self, text: str) -> list:
        if not text.isascii() and len(CJK_CHAR.findall(text)) * 2 > len(text):
            chars = "".join(text.split())
            n = self.cfg.ngram_chars
            return [chars[i:i + n] for i in range(0, max(0, len(chars) - n + 1))]
        words = text.lower().split()
        return list(zip(*(words[i:] for i in range(self.cfg.ngram_words))))


ORDINARY_ASCII = "".join(chr(c) for c in range(32, 127)) + "\t\n\r"
ASCII_ORDINARY = str.maketrans("", "", ORDINARY_ASCII)
NON_ASCII_ORDINARY = re.compile(r"[\w\s\u3000-\u303f\uff00-\uffef\u2010-\u2027\u00a0-\u00bf\u00d7\u00f7]+")
# ASCII symbols that are ordinary in prose; the rest (and unusual non-ASCII symbols) count as special
ASCII_SPECIAL = frozenset("\\^`{}|~<>[]#*_=")


class SpecialChars:
    name = "special_chars"

    def __init__(self, cfg: s.SpecialCharsRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        prose = ex.reply_prose
        if len(prose) < self.cfg.min_chars:
            return []
        special = sum(prose.count(ch) for ch in ASCII_SPECIAL)
        rest = prose.translate(ASCII_ORDINARY)
        if rest:
            special += len(NON_ASCII_ORDINARY.sub("", rest))
        ratio = special / len(prose)
        if ratio > self.cfg.max_ratio:
            return [Verdict("special_characters", self.cfg.action, f"{ratio:.2f}", f"<={self.cfg.max_ratio}",
                            "share of unusual characters in the reply")]
        return []


class TooFewWords:
    name = "too_few_words"

    def __init__(self, cfg: s.TooFewWordsRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        if has_words(f"{ex.user} {ex.assistant}", self.cfg.min_words):
            return []
        words = _words(ex.user) + _words(ex.assistant)
        if words < self.cfg.min_words:
            return [Verdict("too_few_words", self.cfg.action, str(words), f">={self.cfg.min_words}",
                            "words in user and assistant turns")]
        return []


MIN_SCRIPT_CHARS = 10  # the writing system is clear from far fewer characters than the language
TRANSLATION = re.compile(r"(?i)\btranslat|\bin (?:english|chinese|french|german|spanish|japanese)\b|翻译|译成|译为|用英文|用中文|英文怎么说")


class Language:
    name = "language"

    def __init__(self, cfg: s.LanguageRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        c = self.cfg
        reply = detect_language(ex.reply_prose, c.min_chars, c.min_confidence)
        if reply != UNDETERMINED and reply not in c.allowed:
            return [Verdict("language_not_allowed", c.action, reply, ",".join(c.allowed), "language of the reply")]
        if c.mismatch_action == "off" or len(ex.user.strip()) < MIN_SCRIPT_CHARS:
            return []
        # the prompt's writing system is enough to see a Chinese prompt answered in English (or the reverse)
        prompt, answer = script_family(prose_only(ex.user)), script_family(ex.reply_prose)
        if UNDETERMINED not in (prompt, answer) and prompt != answer and not TRANSLATION.search(ex.user):
            return [Verdict("language_mismatch", c.mismatch_action, f"{prompt}->{answer}", "same script",
                            "prompt and reply are in different writing systems in a task that is not a translation")]
        return []


MEDIA_URL = re.compile(r"https?://\S+\.(?:png|jpe?g|gif|webp|bmp|svg|tiff?|pdf|mp3|wav|m4a|mp4|mov|avi|webm)\b", re.I)
ATTACHMENT = re.compile(
    r"(?i)<\s*(?:picture|image|photo|file|video|audio)\s+attached\s*>|\[(?:image|picture|photo|attachment)[^\]]*\]|"
    r"\b(?:see|in|from) the (?:attached|attachment|image below|picture below|photo below)\b|"
    r"(?:如图所示|见下图|看图|附件中|下面的图片|这张图片)"
)
URL = re.compile(r"https?://\S+")
ATTACHMENT_HINT = re.compile(r"attach|image|picture|photo|图|附件")
READ_VERB = re.compile(
    r"(?i)\b(?:summar|read|visit|open|watch|listen|analy[sz]e|review|describe|look at|check out|go to|browse)\w*\b|总结|阅读|打开|访问|观看|分析这"
)


class UnseenContent:
    name = "unseen_content"

    def __init__(self, cfg: s.UnseenContentRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        user = ex.user
        has_url = "http" in ex.user_lower
        checks = ((MEDIA_URL, "a link to an image or media file", has_url),
                  (ATTACHMENT, "an attachment or picture", ATTACHMENT_HINT.search(ex.user_lower) is not None))
        for pattern, what, gate in checks:
            found = pattern.search(user) if gate else None
            if found:
                return [Verdict("unseen_content", self.cfg.action, found.group(0)[:60], None, f"the prompt refers to {what}")]
        if has_url and URL.search(user) and READ_VERB.search(user):
            return [Verdict("unseen_content", self.cfg.action, URL.search(user).group(0)[:60], None,
                            "the prompt asks to read a web page the model cannot open")]
        return []


# An imperative at the start of a sentence: "Draw me a picture of ...", "Please generate an image ...".
MEDIA_REQUEST = re.compile(
    r"(?im)(?:^|[.!?]\s+)\W*(?:please\s+|can you\s+|could you\s+)?(?:generate|create|draw|make|design|produce|"
    r"render|paint|sketch)\s+(?:me\s+)?(?:an?\s+|the\s+|some\s+)?(?:image|picture|photo(?:graph)?|drawing|"
    r"painting|illustration|logo|video|audio(?: clip)?|gif)s?\b"
    r"|(?:请|帮我|给我)?(?:画|生成|制作|设计)(?:一|1)?(?:张|幅|个|段)[^，。！？\n]{0,8}?(?:图片|图像|照片|插画|海报|视频|音频|logo|LOGO)"
)
MEDIA_HINT = re.compile(r"image|picture|photo|drawing|painting|illustration|logo|video|audio|gif|图|照片|插画|海报|视频|音频")


class MediaRequest:
    name = "media_request"

    def __init__(self, cfg: s.MediaRequestRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        found = MEDIA_REQUEST.search(ex.user) if MEDIA_HINT.search(ex.user_lower) else None
        if found:
            return [Verdict("media_request", self.cfg.action, found.group(0)[:60], None,
                            "the prompt asks a text model for an image, audio or video")]
        return []


SENTENCE_END_CHAR = r"[.!?。！？…:：;；)）\]】\"'”’`*_>|~\d\u2600-\u27bf\U0001f300-\U0001faff]"  # punctuation, digits, emoji
SENTENCE_END = re.compile(SENTENCE_END_CHAR + r"\s*$")
LIST_MARKS = ("-", "*", "|", "#")  # a last line that starts a list item, table row or heading is not cut off


class Truncated:
    name = "truncated"

    def __init__(self, cfg: s.TruncatedRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        c = self.cfg
        reply = ex.reply.rstrip()
        fences = fence_lines(reply)
        if fences % 2:
            return [Verdict("unclosed_code_fence", c.action, str(fences), "even", "the reply opens a code block it never closes")]
        if c.mid_sentence_action == "off" or len(reply) < c.min_chars_for_mid_sentence:
            return []
        last = segments(reply)[-1]
        if last[0]:
            return []
        tail = last[1].rstrip().rsplit("\n", 1)[-1]
        if tail and not SENTENCE_END.search(tail) and not tail.lstrip().startswith(LIST_MARKS) and not URL.search(tail):
            return [Verdict("cut_mid_sentence", c.mid_sentence_action, tail[-20:], None,
                            "the reply stops without ending its sentence")]
        return []


CODE_REQUEST = re.compile(
    r"(?i)\b(?:write|implement|create|give me|show me|generate|complete)\b[^.?!\n]{0,40}?\b(?:(?:python|java|javascript|"
    r"c\+\+|sql|bash|shell|rust|go|ruby|php)\s+(?:code|function|program|script|class|query|snippet)|code snippet|"
    r"function (?:that|which|to)|program (?:that|which|to)|sql query|regular expression|regex)\b"
    r"|(?:编写|写一个|写个|实现|给出)[^。？！\n]{0,20}?(?:代码|函数|程序|脚本|算法)"
)
CODE_HINT = re.compile(r"code|function|program|script|query|regex|regular expression|代码|函数|程序|脚本|算法")
CODE_SIGNS = re.compile(r"```|^\s{4}\S|\bdef |\bfunction\b|\breturn\b|[;{}]|=>|\bSELECT\b|\bimport\b|\bclass\b", re.M)


class EmptyCode:
    name = "empty_code"

    def __init__(self, cfg: s.EmptyCodeRule) -> None:
        self.cfg = cfg

    def check(self, ex: ExampleView) -> list[Verdict]:
        if not CODE_HINT.search(ex.user_lower) or not CODE_REQUEST.search(ex.user):
            return []
        blocks = [piece for is_code, piece in segments(ex.reply) if is_code]
        if blocks:
            body = max(len("".join(ln for ln in b.splitlines(keepends=True) if not FENCE_LINE.match(ln)).strip())
                       for b in blocks)
            if body < self.cfg.min_code_chars:
                return [Verdict("empty_code", self.cfg.action, str(body), f">={self.cfg.min_code_chars}",
                                "the code block in the reply is empty")]
            return []
        if self.cfg.no_code_action != "off" and not CODE_SIGNS.search(ex.reply):
            return [Verdict("no_code", self.cfg.no_code_action, "0", None, "a code request answered without code")]
        return []


RULES = (TokenLength, EmptyOutput, Refusal, Placeholder, Repetition, SpecialChars, TooFewWords, Language,
         UnseenContent, MediaRequest, Truncated, EmptyCode)
