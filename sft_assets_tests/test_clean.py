"""Each cleaning transform and the PII/secret policy, on its own, including where it must not fire."""

from __future__ import annotations

import orjson
import pytest

from sft_assets.clean.conversation import Cleaner, clean_conversation
from sft_assets.clean.redact import cn_id_valid, luhn_valid, redact
from sft_assets.core.segments import segments
from sft_assets.clean.transforms import Boilerplate, ControlChars, HtmlStrip, NoInputMarker, UnicodeRepair, Whitespace
from sft_assets.clean.settings import CleanConfig, PiiConfig
from sft_assets_tests.helpers import GivesUp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The cafÃ© was â€œquietâ€\x9d.", "The café was “quiet”."),
        ("ä¸­æ–‡å­—ç¬¦", "中文字符"),
        ("plain ASCII stays", "plain ASCII stays"),
        ("正常的中文不变，包括“引号”。", "正常的中文不变，包括“引号”。"),
        ("Ærø is a Danish island; naïve café résumé", "Ærø is a Danish island; naïve café résumé"),
    ],
)
def test_unicode_repair(text: str, expected: str) -> None:
    assert UnicodeRepair()(text) == expected


def test_control_and_zero_width_characters() -> None:
    assert ControlChars()("a\u200bb\x07c\x1b[31mred\x1b[0m\ufeff") == "abcred"
    assert ControlChars()("tabs\tand\nnewlines stay") == "tabs\tand\nnewlines stay"
    assert ControlChars()("中文\u200d字") == "中文字"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<p>Paris is the <b>capital</b>.</p>", "Paris is the capital."),
        ("Fish &amp; chips&nbsp;today", "Fish & chips today"),
        ("<ul><li>one</li><li>two</li></ul>", "- one\n\n- two"),
        ("<script>alert(1)</script>Hello", "Hello"),
        ("<div>北京是<strong>首都</strong>。</div>", "北京是首都。"),
    ],
)
def test_html_is_stripped_with_a_parser(text: str, expected: str) -> None:
    assert HtmlStrip()(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Use a list: `List<String>` in Java.",
        "```html\n<p>Hello &amp; bye</p>\n```",
        "If x < y and y > z then x < z.",
        "Markdown **bold** and a [link](https://example.com).",
    ],
)
def test_html_leaves_code_markdown_and_comparisons_alone(text: str) -> None:
    assert HtmlStrip()(text) == text


def test_boilerplate_lines_are_removed_in_english_and_chinese() -> None:
    text = "Drink water.\nFollow us on Twitter for more tips!\n关注我们的公众号，获取更多内容\n扫码加群\nhttps://example.com/x\nSleep well."
    assert Boilerplate()(text) == "Drink water.\nSleep well."


AD_LINES = [
    "Visit our website at shop.example.com for more deals!", "Use promo code SAVE20 for 20% off.",
    "This post is sponsored by Acme Cloud.", "Advertisement", "Buy now while stocks last!",
    "Find us on Instagram @acme", "加微信 abc123 领取资料", "欢迎添加小编微信：xyz", "微信号：helper88",
    "QQ群：12345678", "点击链接购买：https://t.cn/x", "限时特价，点击下方链接抢购！", "广告：某某培训班火热招生",
    "本文由某某品牌赞助播出", "更多精彩内容请关注我们", "更多干货请访问官网", "欢迎访问我们的网站",
]


@pytest.mark.parametrize("ad", AD_LINES)
def test_ad_lines_are_removed_with_and_without_the_prescan(ad: str) -> None:
    from sft_assets.clean.settings import CleanConfig
    from sft_assets.clean.stage import clean_table
    from sft_assets_tests.helpers import chat, table_of

    text = f"Drink water.\n{ad}\nSleep well."
    assert Boilerplate()(text) == "Drink water.\nSleep well."
    table = table_of([chat("Give me two health tips.", text)])
    for prescan in (True, False):
        cleaned = orjson.loads(clean_table(table, CleanConfig(), prescan=prescan).kept.column("messages")[0].as_py())
        assert cleaned[-1]["content"] == "Drink water.\nSleep well.", (prescan, ad)


@pytest.mark.parametrize("phone", ["+49 30 901820", "+33 1 42 68 53 00", "+44 20 7946 0958", "+1 (415) 555-0132",
                                   "010-62345678", "138 1234 5678", "139-8765-4321"])
def test_phones_in_common_layouts_are_redacted_with_and_without_the_prescan(phone: str) -> None:
    from sft_assets.clean.stage import clean_table
    from sft_assets_tests.helpers import chat, table_of

    table = table_of([chat("Who do I call?", f"Call the office at {phone}. 或者拨打{phone}。")])
    for prescan in (True, False):
        cleaned = orjson.loads(clean_table(table, CleanConfig(), prescan=prescan).kept.column("messages")[0].as_py())
        assert cleaned[-1]["content"] == "Call the office at [PHONE]. 或者拨打[PHONE]。", (prescan, phone)


def test_numbers_that_are_not_phones_stay() -> None:
    text = "Version 2.10.3 shipped on 2023-10-05; 2+3=5 and x+12 y; the score was +3 4 5 6."
    assert redact(text).text == text


@pytest.mark.parametrize("line", [
    "Visiting hours are 9 to 5.", "Use the code below to sort the list.", "This post explains recursion.",
    "Buy low, sell high is the oldest rule.", "加油，你一定可以的！", "添加两勺糖，搅拌均匀。", "点击保存按钮即可。", "添加微信好友有三种方法：", "点击链接即可打开页面。",
    "限时完成任务会更有成就感。", "本文介绍了三种排序算法。", "更多的练习会带来进步。", "欢迎你提出问题。",
    "广告的作用是传递信息。", "微信是一款社交软件。",
])
def test_ordinary_lines_that_start_like_an_ad_stay(line: str) -> None:
    text = f"Intro.\n{line}\nEnd."
    assert Boilerplate()(text) == text


def test_boilerplate_keeps_links_inside_sentences_and_code() -> None:
    text = "Read more at https://docs.python.org/3/ for details.\n```\nhttps://example.com\n```"
    assert Boilerplate()(text) == text
    assert Boilerplate(remove_link_only_lines=False)("a\nhttps://x.org\n") == "a\nhttps://x.org\n"
    assert Boilerplate(patterns=(r"^Sponsored:.*$",))("Sponsored: buy now\nreal text") == "real text"


def test_whitespace_standardization_never_touches_code() -> None:
    text = "line one   \r\nline two\n\n\n\n\nend  \n\n```\ncode   \n\n\n\nmore\n```"
    assert Whitespace()(text) == "line one\nline two\n\nend\n\n```\ncode   \n\n\n\nmore\n```"
    assert Whitespace()("    indented code first\nnext") == "    indented code first\nnext"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Describe a cat.\n\n<noinput>", "Describe a cat."),
        ("Describe a cat.\n\nNo Input", "Describe a cat."),
        ("Describe a cat.\n\nN/A", "Describe a cat."),
        ("介绍长城。\n\n无", "介绍长城。"),
        ("Spell N/A in full.", "Spell N/A in full."),
        ("Classify the input.\n\nNone of the above is true.", "Classify the input.\n\nNone of the above is true."),
    ],
)
def test_no_input_markers(text: str, expected: str) -> None:
    assert NoInputMarker()(text) == expected


def test_segments_treat_inline_triple_backticks_as_prose() -> None:
    assert segments("use ```git``` here\n```\ncode\n```\n") == [(False, "use ```git``` here\n"), (True, "```\ncode\n```\n")]


def test_fence_splitting_over_the_whole_text_equals_the_line_by_line_definition() -> None:
    import random

    from sft_assets.core.segments import FENCE_LINE, segments_line_by_line, fence_lines
    from sft_assets_tests.helpers import TRICKY

    rng = random.Random(1)
    pieces = [*TRICKY, "```", "~~~", "```python\n", "\n```\n", "  ```", "\t~~~", "```x```", "\n", "\r\n", "\u2028"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 30))) for _ in range(20_000)]
    fenced = [t for t in texts if "```" in t or "~~~" in t]
    assert len(fenced) > 10_000
    assert [segments(t) for t in fenced] == [segments_line_by_line(t) for t in fenced]
    assert [fence_lines(t) for t in texts] == [sum(1 for ln in t.splitlines() if FENCE_LINE.match(ln)) for t in texts]


def test_whitespace_and_no_input_changes_never_create_a_pii_candidate() -> None:
    import random

    from sft_assets.clean.conversation import NO_NEW_PII
    from sft_assets.clean.redact import candidates
    from sft_assets_tests.helpers import TRICKY

    anything = candidates().anything
    rng = random.Random(5)
    pieces = [*TRICKY, " ", "\t", "\n", "\r\n", "\r", " \n", "\n\n\n", "\u3000", "5", "555", "1234", "-", ".",
              "@", "a@b", ".com", "api_key", "token", "=", ":", "'", "sk-", "AKIA", "ghp_", "13812345678",
              "110105199003071239", "10.0.", "4111 1111", "PRIVATE KEY---", "\n\nN/A", "\n\nnone", "<noinput>"]
    transforms = [t for t in (Whitespace(), NoInputMarker()) if t.name in NO_NEW_PII]
    assert len(transforms) == len(NO_NEW_PII)
    changed = dict.fromkeys(NO_NEW_PII, 0)
    for _ in range(30_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 25)))
        if anything.search(text):
            continue
        for transform in transforms:
            new = transform(text)
            changed[transform.name] += new != text
            assert not anything.search(new), (transform.name, text)
    assert min(changed.values()) > 500, changed  # the transforms really changed many candidate-free texts


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mail john.doe@example.com now", "email"),
        ("call +44 20 7946 0958", "phone"),
        ("手机13812345678", "phone"),
        ("身份证110105199003071239", "cn_id"),
        ("card 4111 1111 1111 1111", "bank_card"),
        ("host 203.0.113.7 is up", "ip"),
        ("sk-proj-AbCdEfGhIjKlMnOpQrStUvWx123456", "openai_key"),
        ("AKIAIOSFODNN7EXAMPLE", "aws_key"),
        ("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "github_token"),
        ("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----", "private_key"),
        ('secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', "generic_secret"),
    ],
)
def test_each_kind_is_found_and_redacted(text: str, kind: str) -> None:
    result = redact(text)
    assert dict(result.counts) == {kind: 1}
    assert f"[{kind.upper()}]" in result.text


def test_redaction_does_not_depend_on_the_re2_set_answering(monkeypatch) -> None:
    """RE2's set can give up on a text and then reports no match: each candidate is searched instead."""
    from sft_assets.clean.redact import candidates

    monkeypatch.setattr(candidates(), "together", GivesUp())
    result = redact("mail john.doe@example.com or call 13812345678, key AKIAIOSFODNN7EXAMPLE")
    assert dict(result.counts) == {"email": 1, "phone": 1, "aws_key": 1}
    assert result.text == "mail [EMAIL] or call [PHONE], key [AWS_KEY]"


@pytest.mark.parametrize(
    "text",
    [
        "The year 2023 had 365 days and version 1.2.3 shipped.",
        "身份证110105199003071238 (wrong check digit)",
        "card 4111 1111 1111 1112 (fails Luhn)",
        "pi is 3.14159265358979",
        "token = 'aaaaaaaaaaaaaaaaaaaaaaaa' is not random",
        "Call me at noon.",
    ],
)
def test_no_false_findings(text: str) -> None:
    assert redact(text).counts == {}


def test_checksums() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert cn_id_valid("110105199003071239") and not cn_id_valid("110105199013071239")  # month 13


def test_pii_policy_redact_drop_flag_and_no_raw_value_leaks() -> None:
    messages = [{"role": "user", "content": "who am I?"},
                {"role": "assistant", "content": "You are 110105199003071239 at 203.0.113.7, a@b.co"}]
    config = CleanConfig(pii=PiiConfig(cn_id="drop", ip="flag", email="redact"))
    outcome = clean_conversation(messages, Cleaner.from_config(config))
    assert outcome.drop == "pii_cn_id"
    assert outcome.flags == ["pii_ip"]
    assert outcome.pii == {"cn_id": 1, "ip": 1, "email": 1}
    assert "[EMAIL]" in outcome.messages[1]["content"]
    assert outcome.changes["pii_redaction"] == [len(messages[1]["content"]), len(outcome.messages[1]["content"])]
    off = clean_conversation(messages, Cleaner.from_config(CleanConfig(pii=PiiConfig(cn_id="off", ip="off", email="off"))))
    assert off.pii == {} and off.drop is None


def test_clean_conversation_logs_each_rule_with_chars_before_and_after() -> None:
    messages = [{"role": "user", "content": "Tell me.\n\n<noinput>"},
                {"role": "assistant", "content": "<b>Bold</b> answer   "}]
    outcome = clean_conversation(messages, Cleaner.from_config(CleanConfig()))
    assert outcome.messages == [{"role": "user", "content": "Tell me."}, {"role": "assistant", "content": "Bold answer"}]
    assert set(outcome.changes) == {"no_input", "html", "whitespace"}
    assert outcome.changes["no_input"] == [len("Tell me.\n\n<noinput>"), len("Tell me.")]


def test_digits_of_other_scripts_still_reach_the_detectors() -> None:
    """Candidates read \\d as ASCII digits; a text holding a digit of another script tries every detector."""
    mixed = "call 13\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668 now"  # 1, 3, then Arabic-Indic digits
    assert redact(mixed).counts == {"phone": 1}
    assert redact(mixed).text == "call [PHONE] now"


@pytest.mark.parametrize(("text", "redacted"), [
    ("server at 10.0.0.1.", "server at [IP]."),  # an address before a sentence-ending period
    ("ipv6 2001:db8::8a2e:370:7334 here", "ipv6 [IP] here"),
    ("loopback ::1 ok", "loopback [IP] ok"),
    ("联系邮箱john@example.com谢谢", "联系邮箱[EMAIL]谢谢"),  # an address right after a Chinese character
    ("手机 138 1234 5678", "手机 [PHONE]"),  # Chinese mobiles written 3-4-4
    ("电话138-1234-5678", "电话[PHONE]"),
    # must not fire
    ("meet at 12:30:45 ok", "meet at 12:30:45 ok"),
    ("std::vector<int> a; A::B", "std::vector<int> a; A::B"),
    ("version 1.2.3 released.", "version 1.2.3 released."),
    ("x 138 1234-5678", "x 138 1234-5678"),  # mixed separators are not one number
])
def test_pii_layouts_found_and_lookalikes_left_alone(text: str, redacted: str) -> None:
    assert redact(text).text == redacted
