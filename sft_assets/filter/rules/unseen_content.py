"""Prompts that point at what a text model cannot see: attachments, image/media links, pages to read."""

from __future__ import annotations

import re

import numpy as np

from sft_assets.filter.batch import FilterBatch, hint, re2
from sft_assets.filter.rules.base import ExampleView, Rule, RuleSettings, Verdict

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
HTTP = "(?i)http"  # the check's `"http" in ex.user_lower`


class UnseenContentSettings(RuleSettings):
    """Args:
        action: "drop" (default), "flag" or "off".
    """


class UnseenContent(Rule[UnseenContentSettings]):
    name = "unseen_content"
    reasons = ("unseen_content",)
    settings_class = UnseenContentSettings
    hints = {"user": (HTTP, hint(ATTACHMENT_HINT))}

    def check(self, ex: ExampleView) -> Verdict | None:
        user = ex.user
        has_url = "http" in ex.user_lower
        checks = ((MEDIA_URL, "a link to an image or media file", has_url),
                  (ATTACHMENT, "an attachment or picture", ATTACHMENT_HINT.search(ex.user_lower) is not None))
        for pattern, what, gate in checks:
            found = pattern.search(user) if gate else None
            if found:
                return self.verdict("unseen_content", found.group(0)[:60], None, f"the prompt refers to {what}")
        if has_url and URL.search(user) and READ_VERB.search(user):
            return self.verdict("unseen_content", URL.search(user).group(0)[:60], None,
                                "the prompt asks to read a web page the model cannot open")
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        http = batch.matches("user", HTTP)
        page = batch.matches("user", re2(READ_VERB), where=batch.matches("user", re2(URL), where=http))
        attachment = batch.matches("user", re2(ATTACHMENT), where=batch.matches("user", hint(ATTACHMENT_HINT)))
        return page | batch.matches("user", re2(MEDIA_URL), where=http) | attachment
