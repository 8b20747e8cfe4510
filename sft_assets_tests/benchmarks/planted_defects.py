"""Per-class recall and false drops of cleaning and filtering on defects planted into real records.

Real single-turn records from ../shared/data (English and Chinese) are taken in a fixed order; about a
third stay untouched (the controls) and each other one gets one planted defect of a class below, in one of
several written forms. A planted defect counts as caught when the stage that owns it acts on it: a filter
rule of the class drops or flags the record, or cleaning removes the planted text (a placeholder that
cleaning strips, such as "<PLACEHOLDER>" read as a tag, is caught too). False drops are controls
the filter drops (real data holds real defects too, so these are an upper bound), listed per rule.

Run: `uv run --frozen python -m sft_assets_tests.benchmarks.planted_defects [--records N]`.
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow as pa

from sft_assets.clean.redact import mask_secrets
from sft_assets.clean.settings import CleanConfig
from sft_assets.clean.stage import clean_table
from sft_assets.core.records import canonical_json
from sft_assets.filter.apply import filter_table
from sft_assets.filter.settings import FilterConfig
from sft_assets_tests.helpers import SHARED_DATA, real_examples

SOURCES = {"en": ("llamafactory-demo/alpaca_en_demo.json", "lima/lima.json"),
           "zh": ("llamafactory-demo/alpaca_zh_demo.json", "oasst-zh/oaast_sft_zh.json")}
ENDS = re.compile(r"[.!?。！？]$")


@dataclass(frozen=True)
class Plant:
    """A planted defect: the changed conversation, the filter rules that own it, or the text cleaning must
    remove from the stored or cleaned record."""

    kind: str
    messages: list[dict]
    rules: frozenset[str] = frozenset()
    removed: str | None = None
    masked_at_ingest: bool = False


def _short_reply(user: str, reply: str, lang: str, rng: random.Random) -> Plant:
    return Plant("short reply", _chat(user, rng.choice(["k", "OK", "ok.", "Sure"] if lang == "en" else ["嗯", "好", "哦", "好的"])),
                 frozenset({"short_reply", "too_few_words", "too_few_tokens"}))


def _truncated(user: str, reply: str, lang: str, rng: random.Random) -> Plant:
    units = reply.split(" ") if lang == "en" else list(reply)
    cut = rng.randrange(len(units) * 4 // 10, len(units) * 9 // 10)
    text = (" " if lang == "en" else "").join(units[:cut]).rstrip(" .!?。！？\n")
    return Plant("truncated", _chat(user, text), frozenset({"dangling_end", "cut_mid_sentence"}))


def _pii(kind: str, values: dict[str, list[str]]):
    def plant(user: str, reply: str, lang: str, rng: random.Random) -> Plant:
        value = rng.choice(values[lang])
        sentence = f" You can reach the office at {value}." if lang == "en" else f"办公室联系方式：{value}。"
        return Plant(kind, _chat(user, reply + sentence), removed=value.strip())
    return plant


IPS = {"en": ["10.20.30.40", "192.168.1.23", "2001:db8:85a3::8a2e:370:7334", "fe80::1ff:fe23:4567:890a"],
       "zh": ["172.16.5.4", "203.0.113.77", "2001:db8::ff00:42:8329"]}
PHONES = {"en": ["+44 20 7946 0958", "+1 (415) 555-0132", "+49 30 901820", "(212) 555-0199", "+33 1 42 68 53 00"],
          "zh": ["138 1234 5678", "139-8765-4321", "+86 186 1234 5678", "010-62345678"]}
EMAILS = {"en": ["jane.doe@example.org", "support+sft@mail.example.com"], "zh": ["zhang.wei@example.cn", "客服qa_team@example.com"]}


def _media(user: str, reply: str, lang: str, rng: random.Random) -> Plant:
    add = rng.choice([" Also generate an image of it.", " And then create a picture to go with it.", " Please draw an illustration too."]
                     if lang == "en" else ["另外帮我画一幅插画。", "再画一张配图。", "并且生成一张图片。"])
    return Plant("media request", _chat(user + add, reply), frozenset({"media_request"}))


def _refusal_opening(user: str, reply: str, lang: str, rng: random.Random) -> Plant:
    opening = rng.choice(["As an AI language model, I cannot have opinions, but here is an answer. ",
                          "I'm sorry, but I cannot be certain. "] if lang == "en" else
                         ["抱歉，作为一个AI语言模型，我无法给出个人看法，但可以提供以下信息。", "对不起，我无法保证完全准确。"])
    return Plant("refusal opening", _chat(user, opening + reply), frozenset({"refusal", "refusal_opening"}))


def _ad_line(user: str, reply: str, lang: str, rng: random.Random) -> Plant:
    ad = rng.choice(["Follow us on Instagram for more tips!", "Use promo code SPRING25 at checkout.",
                     "Visit our website for exclusive deals.", "This post is sponsored by Acme."] if lang == "en" else
                    ["关注公众号“学习日报”获取更多干货", "加微信 study2024 领取资料", "限时特价，点击下方链接抢购！", "更多精彩内容请关注我们"])
    return Plant("ad line", _chat(user, f"{reply}\n{ad}"), removed=ad)


def _placeholder_end(user: str, reply: str, lang: str, rng: random.Random) -> Plant:
    tail = rng.choice(["[INSERT CONCLUSION HERE]", "{{closing_remarks}}", "[TO BE CONTINUED]", "<PLACEHOLDER>"] if lang == "en"
                      else ["【在此插入结论】", "[待补充]", "{{结束语}}", "（此处填写总结）"])
    return Plant("placeholder at end", _chat(user, f"{reply}\n\n{tail}"), frozenset({"template_placeholder"}), removed=tail)


def _secret(user: str, reply: str, lang: str, rng: random.Random) -> Plant:
    key = "sk-" + "".join(rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(40))
    note = f"\n\nMy OpenAI key is {key}, use it." if lang == "en" else f"\n\n我的密钥是 {key} ，请使用。"
    return Plant("secret in prompt", _chat(user + note, reply), removed=key, masked_at_ingest=True)


PLANTERS = {
    "short reply": _short_reply, "truncated": _truncated, "ip address": _pii("ip address", IPS),
    "phone": _pii("phone", PHONES), "email": _pii("email", EMAILS), "media request": _media,
    "refusal opening": _refusal_opening, "ad line": _ad_line, "placeholder at end": _placeholder_end,
    "secret in prompt": _secret,
}


def _chat(user: str, reply: str) -> list[dict]:
    return [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]


def base_records(language: str, data: Path = SHARED_DATA) -> list[tuple[str, str]]:
    """Single-turn (user, reply) pairs with a reply of 120+ characters that ends a sentence."""
    pairs = []
    for relative in SOURCES[language]:
        for m in real_examples(data, relative).column("messages").to_pylist():
            turns = orjson.loads(m)
            if [t["role"] for t in turns] == ["user", "assistant"]:
                user, reply = turns[0]["content"].strip(), turns[1]["content"].strip()
                if len(reply) >= 120 and ENDS.search(reply) and "```" not in reply:
                    pairs.append((user, reply))
    return sorted(set(pairs))


@dataclass
class Report:
    planted: Counter
    caught: Counter
    controls: int
    false_drops: Counter
    dropped_otherwise: Counter  # planted records another rule dropped before the owning rule was reached


def run(records: int = 600, seed: int = 3) -> Report:
    rng = random.Random(seed)
    conversations: list[list[dict]] = []
    plants: list[Plant | None] = []
    kinds = list(PLANTERS)
    for language in ("en", "zh"):
        pool = base_records(language)
        for k, (user, reply) in enumerate(rng.sample(pool, min(records // 2, len(pool)))):
            slot = k % (len(kinds) + 5)  # about a third are controls
            plant = PLANTERS[kinds[slot]](user, reply, language, rng) if slot < len(kinds) else None
            conversations.append(plant.messages if plant else _chat(user, reply))
            plants.append(plant)
    stored = [mask_secrets(c)[0] for c in conversations]  # ingest.mask_secrets (default on)
    n = len(stored)
    table = pa.table({"example_id": [f"p{i:05d}" for i in range(n)], "source": ["planted"] * n, "file": ["planted"] * n,
                      "locator": [str(i) for i in range(n)], "category": [None] * n,
                      "messages": [canonical_json(c) for c in stored]})
    cleaned = clean_table(table, CleanConfig())
    filtered = filter_table(cleaned.kept, FilterConfig(), "cl100k_base")
    texts = dict(zip(cleaned.kept.column("example_id").to_pylist(), cleaned.kept.column("messages").to_pylist(), strict=True))
    fired: dict[str, set[str]] = {}
    for d in filtered.decisions:
        fired.setdefault(d.example_id, set()).add(d.rule)
    dropped_in_clean = {d.example_id for d in cleaned.decisions if d.decision == "dropped"}
    report = Report(Counter(), Counter(), 0, Counter(), Counter())
    for i, plant in enumerate(plants):
        example_id = f"p{i:05d}"
        if plant is None:
            report.controls += 1
            for d in filtered.decisions:
                if d.example_id == example_id and d.decision == "dropped":
                    report.false_drops[d.rule] += 1
            continue
        report.planted[plant.kind] += 1
        if plant.rules:
            caught = bool(plant.rules & fired.get(example_id, set())) or (
                plant.removed is not None and example_id in texts and plant.removed not in texts[example_id])
            dropped = {d.rule for d in filtered.decisions if d.example_id == example_id and d.decision == "dropped"}
            report.dropped_otherwise[plant.kind] += not caught and bool(dropped)
        elif plant.masked_at_ingest:
            caught = plant.removed not in canonical_json(stored[i]) and plant.removed not in orjson.dumps(stored[i]).decode()
        else:
            caught = example_id in dropped_in_clean or plant.removed not in (texts.get(example_id) or "")
        report.caught[plant.kind] += caught
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=600)
    args = parser.parse_args()
    report = run(args.records)
    print(f"{'class':<22} planted  caught  recall  dropped by another rule")
    for kind in PLANTERS:
        planted, caught = report.planted[kind], report.caught[kind]
        print(f"{kind:<22} {planted:>7} {caught:>7}  {caught / planted if planted else 1:.3f}  {report.dropped_otherwise[kind]:>5}")
    drops = sum(report.false_drops.values())
    print(f"controls: {report.controls}, dropped by the filter: {drops} ({dict(report.false_drops)})")


if __name__ == "__main__":
    main()
