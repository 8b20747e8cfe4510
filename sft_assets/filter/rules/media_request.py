"""Prompts asking a text model to produce an image, audio or video."""

from __future__ import annotations

import re

import numpy as np

from sft_assets.filter.batch import FilterBatch, hint, re2
from sft_assets.filter.rules.base import ExampleView, Rule, RuleSettings, Verdict

# An imperative at the start of a sentence: "Draw me a picture of ...", "Please generate an image ...".
# An imperative at the start of a sentence, or joined to another request ("... and also generate an image");
# in Chinese, drawing a picture (画 with a picture's measure word 幅/张) or making an image, video or audio.
MEDIA_REQUEST = re.compile(
    r"(?im)(?:^|[.!?]\s+|,\s*(?:and\s+|then\s+)?|\b(?:and|then|also|plus)\s+)\W*(?:also\s+)?"
    r"(?:please\s+|can you\s+|could you\s+)?(?:also\s+)?(?:generate|create|draw|make|design|produce|"
    r"render|paint|sketch)\s+(?:me\s+)?(?:an?\s+|the\s+|some\s+)?(?:image|picture|photo(?:graph)?|drawing|"
    r"painting|illustration|logo|video|audio(?: clip)?|gif)s?\b"
    r"|(?:请|帮我|给我)?(?:画|生成|制作|设计)(?:一|1)?(?:张|幅|个|段)[^，。！？\n]{0,8}?(?:图片|图像|照片|插画|海报|视频|音频|logo|LOGO)"
    r"|画(?:一|1|几)?(?:幅|张)"
)
MEDIA_HINT = re.compile(r"image|picture|photo|drawing|painting|illustration|logo|video|audio|gif|图|照片|插画|海报|视频|音频|画")


class MediaRequestSettings(RuleSettings):
    """Args:
        action: "drop" (default), "flag" or "off".
    """


class MediaRequest(Rule[MediaRequestSettings]):
    name = "media_request"
    reasons = ("media_request",)
    settings_class = MediaRequestSettings
    hints = {"user": (hint(MEDIA_HINT),)}

    def check(self, ex: ExampleView) -> Verdict | None:
        found = MEDIA_REQUEST.search(ex.user) if MEDIA_HINT.search(ex.user_lower) else None
        if found:
            return self.verdict("media_request", found.group(0)[:60], None,
                                "the prompt asks a text model for an image, audio or video")
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        return batch.matches("user", re2(MEDIA_REQUEST), where=batch.matches("user", hint(MEDIA_HINT)))
