"""Template placeholders left in a message ({{name}}, [INSERT ...], <PLACEHOLDER>, 【插入…】, [待补充]), and
fill-in fields left in a reply ([Your Name], <Recipient's Name>, [日期], 【您的姓名】)."""

from __future__ import annotations

import re

import numpy as np

from sft_assets.core.segments import prose_only
from sft_assets.filter.batch import FENCE, FilterBatch, re2
from sft_assets.filter.rules.base import Action, ExampleView, Rule, RuleSettings, Verdict

# Unfinished text: a template slot or a marker that content is still to come.
PLACEHOLDER = re.compile(
    r"\{\{\s*[\w.\- ]+\s*\}\}"
    r"|\[\s*(?:INSERT|PLACEHOLDER|ADD|TODO|TBD|TO BE (?:ADDED|COMPLETED|CONTINUED|WRITTEN))\b[^\]]*\]"
    r"|<\s*(?:INSERT|PLACEHOLDER)\b[^>]*>"
    r"|[【\[（(]\s*(?:(?:在此|此处|这里)(?:插入|填写|补充)|插入|填写|待补充|待填写|待完善|待定)[^】\]）)\n]{0,20}[】\]）)]",
    re.I,
)
# A field the reader fills in: a letter or form template's signature, recipient or date. A reply that is
# such a template on request is legitimate, hence flagged, not dropped, by default.
FILL_IN = re.compile(
    r"[\[<【]\s*(?:your|my|recipient'?s?|sender'?s?|company|organization|employer|hiring manager'?s?)"
    r"\s[^\]>】\n]{1,30}[\]>】](?!\()"  # "[your account page](https://...)" is a Markdown link
    # one field word, lower or title case: the cleaning stage's redaction placeholders ("[EMAIL]",
    # "[PHONE]") are upper case and are not fields to fill in
    r"|[\[<【]\s*(?-i:(?:[Nn]ame|[Ff]ull [Nn]ame|[Dd]ate|[Aa]ddress|[Pp]hone(?: [Nn]umber)?|[Ee]-?mail(?: [Aa]ddress)?"
    r"|[Cc]ity|[Jj]ob [Tt]itle))\s*[\]>】](?!\()"
    r"|[\[【]\s*(?:你的|您的|我的|收件人|发件人|公司|姓名|日期|名字|地址|电话|联系方式)[^\]】\n]{0,12}[\]】](?!\()",
    re.I,
)
# An opener of a PLACEHOLDER alternative followed, without its closer, by a fence: a superset of "the
# pattern's text spans the place where prose_only cut a fenced block out".
OPENED_BEFORE_A_FENCE = r"(?:\{\{[^}]*|\[[^\]]*|<[^>]*|【[^】]*|（[^）]*|\([^)]*)(?:```|~~~)"
OPENERS = ("{{", "[", "<", "【", "（", "(")


class PlaceholderSettings(RuleSettings):
    """Args:
        action: for a template placeholder in any message, "drop" (default), "flag" or "off".
        fill_in_action: for a fill-in field in a reply ([Your Name], [日期]), "flag" (default), "drop" or "off".
    """

    fill_in_action: Action = "flag"


class Placeholder(Rule[PlaceholderSettings]):
    name = "placeholder"
    reasons = ("template_placeholder", "fill_in_field")
    settings_class = PlaceholderSettings
    hints = {"every": (re2(PLACEHOLDER),), "reply": (re2(FILL_IN),)}

    def check(self, ex: ExampleView) -> Verdict | None:
        for m in ex.messages if self.settings.action != "off" else ():
            text = m.get("content") or ""
            if not any(opener in text for opener in OPENERS):
                continue
            found = PLACEHOLDER.search(ex.reply_prose if text is ex.reply else prose_only(text))
            if found:
                return self.verdict("template_placeholder", found.group(0)[:40], None,
                                    f"the {m['role']} turn holds a template placeholder")
        if self.settings.fill_in_action != "off":
            found = FILL_IN.search(ex.reply_prose)
            if found:
                return self.verdict("fill_in_field", found.group(0)[:40], None, "the reply leaves a field to fill in",
                                    action=self.settings.fill_in_action)
        return None

    def may_fire(self, batch: FilterBatch) -> np.ndarray:
        """A placeholder in the prose of a message either lies in one piece of the message, and then in the
        message itself (the pattern has no assertions at its ends), or spans the place where a fenced block
        was cut out: it opens before the block and closes after it. A fill-in field holds no newline, so it
        never spans a cut block (fences are whole lines)."""
        fenced = batch.matches("every", FENCE)
        found = batch.matches("every", re2(PLACEHOLDER)) | batch.matches("every", OPENED_BEFORE_A_FENCE, where=fenced)
        if self.settings.fill_in_action != "off":
            found |= batch.matches("reply", re2(FILL_IN))
        return found
