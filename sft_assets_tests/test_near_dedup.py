"""Near-duplicate detection: shingling, clusters, short texts, representatives, signature reuse."""

from __future__ import annotations

import orjson
import pyarrow as pa

from sft_assets.dedup.minhash import near_duplicate_clusters, signatures_of_hashes
from sft_assets.dedup.near import near_dedup
from sft_assets.dedup.settings import NearDedupConfig
from sft_assets.dedup.shingles import normalize, shingles

CONFIG = NearDedupConfig()
PROMPTS = NearDedupConfig(text="user")


def test_normalize_folds_case_punctuation_width_and_traditional_chinese() -> None:
    assert normalize("Hello,   WORLD!") == "hello world"
    assert normalize("請用一句話解釋什麼是光合作用？") == normalize("请用一句话解释什么是光合作用。")
    assert normalize("ＡＢＣ１２３") == "abc123"


def test_chinese_is_shingled_by_characters_and_english_by_words() -> None:
    assert shingles("光合作用", 3, 2) == {"光 合".encode(), "合 作".encode(), "作 用".encode()}
    assert shingles("the cat sat on", 3, 2) == {b"the cat sat", b"cat sat on"}
    assert shingles("", 3, 2) == set()


def test_a_chinese_text_carrying_json_is_not_one_giant_word() -> None:
    # Mostly JSON by characters, so shingled by ngram_words; its Chinese run still splits into characters.
    text = normalize('调用天气工具 {"name": "get_weather", "arguments": {"city": "北京", "unit": "celsius"}}')
    assert shingles(text, 2, 2) >= {"调 用".encode(), "用 天".encode(), "get_weather arguments".encode()}


def test_thousands_separators_do_not_split_a_number() -> None:
    assert normalize("Revenue was 1,000,000 dollars, up 12,5 points") == "revenue was 1000000 dollars up 12 5 points"
    assert normalize("营收为1，000元") == normalize("营收为1000元")


def table(texts: list[tuple[str, str]]) -> pa.Table:
    rows = []
    for i, (user, reply) in enumerate(texts):
        messages = [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
        rows.append({"example_id": f"ex{i:03d}", "source": "s", "file": "f", "locator": f"line {i + 1}",
                     "messages": orjson.dumps(messages).decode()})
    return pa.Table.from_pylist(rows)


BASE_EN = ("Explain how photosynthesis turns sunlight, water and carbon dioxide into sugar and oxygen inside the "
           "chloroplasts of green plants, and why it matters for life on Earth.")
BASE_ZH = "请详细解释光合作用是如何在绿色植物的叶绿体中利用阳光、水和二氧化碳制造糖类并释放氧气的，以及它对地球生命的重要意义。"


def test_near_copies_cluster_and_the_longest_is_kept() -> None:
    data = table([
        (BASE_EN, "Short answer."),
        (BASE_EN.replace("why it matters", "why this matters"), "A much longer and more informative answer here."),
        (BASE_ZH, "简短回答。"),
        (BASE_ZH.replace("绿色植物", "綠色植物"), "简短回答。"),  # Traditional variant
        ("Describe the water cycle from evaporation over the oceans to rain falling on the mountains again.", "It cycles."),
    ])
    result = near_dedup(data, PROMPTS, {})
    assert result.kept.column("example_id").to_pylist() == ["ex001", "ex002", "ex004"]
    dropped = {d["example_id"]: d["kept_id"] for d in result.dropped}
    assert dropped == {"ex000": "ex001", "ex003": "ex002"}
    assert set(result.clusters.column("cluster_id").to_pylist()) == {"ex000", "ex002"}


def test_topic_sharing_texts_are_not_merged() -> None:
    data = table([
        ("How do plants use sunlight to make food through photosynthesis in their leaves?", "Via chlorophyll."),
        ("Why do plants need sunlight, and what happens to leaves in the dark without photosynthesis?", "They starve."),
    ])
    assert near_dedup(data, CONFIG, {}).dropped == []


def test_short_texts_are_compared_exactly_never_merged_wholesale() -> None:
    data = table([("Hi", "Hey"), ("Hi", "Hey"), ("Yo", "Hey"), ("", ""), ("", "")])
    result = near_dedup(data, NearDedupConfig(min_shingles=50), {})
    assert [d["example_id"] for d in result.dropped] == ["ex001"]  # the two "Hi/Hey", not "Yo" nor the empty ones


def test_stored_signatures_are_reused_and_match_fresh_ones() -> None:
    data = table([(BASE_EN, "a"), (BASE_ZH, "b")])
    first = near_dedup(data, PROMPTS, {})
    stored = dict(zip(first.signatures.column("example_id").to_pylist(),
                      first.signatures.column("signature").to_pylist(), strict=True))
    more = table([(BASE_EN, "a"), (BASE_ZH, "b"), (BASE_EN + " Please be brief.", "a longer reply")])
    second = near_dedup(more, PROMPTS, dict(stored))
    assert second.reused == 2
    assert second.signatures.slice(0, 2).column("signature").equals(first.signatures.column("signature"))
    assert [d["example_id"] for d in second.dropped] == ["ex000"]  # the new, longer one joins and wins


def test_signatures_are_deterministic() -> None:
    from sft_assets.dedup.shingles import shingle_hashes

    hashed = [shingle_hashes(normalize(BASE_EN), 3, 3)]
    assert (signatures_of_hashes(hashed, 128, 1) == signatures_of_hashes(hashed, 128, 1)).all()


def test_clusters_are_verified_not_just_bucketed() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32, size=(50, 128), dtype=np.uint64).astype(np.uint32)
    sigs[1, :40] = sigs[0, :40]  # shares some bands with row 0, but Jaccard about 0.31 < 0.7
    clusters = near_duplicate_clusters(sigs, 0.7)
    assert len(set(clusters.root.tolist())) == 50


def test_labeled_benchmark_meets_the_f1_targets(shared_data) -> None:
    """Planted near-copies (5-15% edits of every kind) and hard negatives from real English and Chinese
    texts, on the half of the texts the defaults were not tuned on."""
    from sft_assets_tests.benchmarks.near_dup_labeled import evaluate

    (english, _), (chinese, _) = evaluate("en", "report", 420), evaluate("zh", "report", 420)
    overall = "all (with hard negatives)"
    assert english[overall].f1 >= 0.98 and english[overall].precision >= 0.99, english[overall]
    assert chinese[overall].f1 >= 0.94 and chinese[overall].precision >= 0.99, chinese[overall]
    for kind in ("insert 15%", "delete 15%", "numbers", "reorder", "punctuation"):
        assert english[kind].recall >= 0.95 and chinese[kind].recall >= 0.8, (kind, english[kind], chinese[kind])


def test_batched_signatures_are_bit_identical_to_datasketch_bulk() -> None:
    import numpy as np
    from datasketch import MinHash

    from sft_assets.dedup.minhash import signatures_of_hashes

    rng = np.random.default_rng(0)
    hashed = [rng.integers(0, 2**32, size=int(rng.integers(1, 300)), dtype=np.uint64) for _ in range(400)]
    reference = np.vstack([m.hashvalues for m in MinHash.bulk((h.tolist() for h in hashed), num_perm=128, seed=3,
                                                              hashfunc=int)])
    assert (signatures_of_hashes(hashed, 128, 3) == reference).all()
