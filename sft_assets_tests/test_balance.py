"""Balance: selection cuts over-represented groups to their caps; the balance and duplication gates block
the splits on each planted violation and name the rule; warn severity reports without blocking."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from sft_assets.balance.select import select
from sft_assets.balance.settings import BalanceConfig, Bounds
from sft_assets.balance.shares import observe
from sft_assets.core.store import Store
from sft_assets.defs.curate.assets import curated
from sft_assets.defs.curate.checks import curated_balance_gate, curated_duplication_gate
from sft_assets.defs.split.assets import splits
from sft_assets_tests.helpers import write_config
from sft_assets_tests.test_pipeline import materialize


def row(i: int, **fields) -> dict:
    messages = [{"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"Answer {i}."}]
    base = {"example_id": f"x{i:04d}", "source": "s", "file": "f", "locator": f"line {i}", "origin": "human",
            "parent_id": None, "category": None, "messages": orjson.dumps(messages).decode(), "norm_hash": f"h{i}",
            "is_refusal": False, "task_type": "open_qa", "language": "en", "refusal": False, "judge_overall": 3}
    return {**base, **fields}


def test_selection_cuts_a_dominating_group_to_its_cap_lowest_scores_first() -> None:
    rows = [row(i, task_type="code", judge_overall=1 + i % 5) for i in range(80)] + \
           [row(100 + i, task_type=t) for i, t in enumerate(["open_qa", "writing", "math", "translation"] * 5)]
    config = BalanceConfig(min_rows=0, other_task_types=Bounds(max=0.5))
    kept, cuts = select(rows, config)
    share = sum(r["task_type"] == "code" for r in kept) / len(kept)
    assert share <= 0.5 and len(kept) == 40 and len(cuts) == 60
    assert {rule for _, rule, _, _ in cuts} == {"task_type_share"}
    assert min(r["judge_overall"] for r in kept if r["task_type"] == "code") >= max(
        c["judge_overall"] for c, *_ in cuts)  # the lowest scores went first
    assert select(rows, config) == (kept, cuts)  # the same cut every run


def test_selection_leaves_a_small_set_alone_and_observe_reports_every_bound() -> None:
    rows = [row(i, refusal=True) for i in range(5)]
    assert select(rows, BalanceConfig()) == (rows, [])  # under min_rows
    observed = {o.key: (o.share, o.max) for o in observe(rows, BalanceConfig())}
    assert observed["refusal_rate:refusal"] == (1.0, 0.1)


def gate_run(tmp_path: Path, rows: list[dict], balance: dict, contaminated: list[str] = ()):
    home = tmp_path / "home"
    store = Store(home)
    store.replace_table("selected", pa.Table.from_pylist(rows))
    if contaminated:
        store.replace_table("decontaminate_decisions", pa.table({"example_id": list(contaminated)}))
    (tmp_path / "cfg" / "data").mkdir(parents=True)
    (tmp_path / "cfg" / "data" / "a.jsonl").write_text("")
    config = write_config(tmp_path / "cfg", [{"name": "s", "path": "a.jsonl"}], balance={"min_rows": 0, **balance})
    result = materialize(home, config, assets=[curated, curated_balance_gate, curated_duplication_gate, splits],
                         selection=["curated", "train", "val", "test"])
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    materialized = {m.asset_key.path[-1] for m in result.get_asset_materialization_events()} if result.success else \
        {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    return checks, materialized


@pytest.mark.parametrize(("planted", "balance", "contaminated", "check", "rule"), [
    ([row(i, refusal=i < 6) for i in range(20)], {}, [], "curated_balance_gate", "refusal_rate"),
    ([row(i, task_type="code") for i in range(20)], {"task_types": {"code": {"max": 0.4}}}, [], "curated_balance_gate",
     "task_type_share"),
    ([row(i, origin="synthetic" if i < 15 else "human") for i in range(20)], {}, [], "curated_balance_gate",
     "synthetic_share"),
    ([row(i, source="a" if i < 18 else "b") for i in range(20)], {"max_source_share": 0.7}, [], "curated_balance_gate",
     "source_share"),
    ([row(i, language="fr" if i < 10 else "en") for i in range(20)], {"languages": {"fr": {"max": 0.2}}}, [],
     "curated_balance_gate", "language_share"),
    ([row(i, norm_hash="same" if i < 2 else f"h{i}") for i in range(20)], {}, [], "curated_duplication_gate",
     "exact_duplicates"),
    ([row(i) for i in range(20)], {}, ["x0003"], "curated_duplication_gate", "decontamination_hits"),
])
def test_each_planted_violation_blocks_the_splits_and_is_named(tmp_path, planted, balance, contaminated, check,
                                                               rule) -> None:
    checks, materialized = gate_run(tmp_path, planted, {"other_task_types": {"max": 1.0}, **balance}, contaminated)
    evaluation = checks[check]
    assert not evaluation.passed
    assert evaluation.metadata["failed_rules"].value == [rule]
    assert evaluation.metadata["blocking_rules"].value == [rule]
    assert "train" not in materialized and "curated" in materialized
    other = "curated_duplication_gate" if check == "curated_balance_gate" else "curated_balance_gate"
    assert checks[other].passed


def test_a_warn_rule_reports_without_blocking(tmp_path) -> None:
    planted = [row(i, refusal=i < 6) for i in range(20)]
    checks, materialized = gate_run(tmp_path, planted, {"severity": {"refusal_rate": "warn"},
                                                        "other_task_types": {"max": 1.0}})
    evaluation = checks["curated_balance_gate"]
    assert not evaluation.passed and evaluation.metadata["blocking_rules"].value == []
    failure = evaluation.metadata["failures"].value[0]
    assert failure["rule"] == "refusal_rate" and failure["observed"] == {"refusal": 0.3}
    assert {"train", "val", "test"} <= materialized


def test_the_best_n_diverse_takes_strata_round_robin_best_first() -> None:
    rows = [row(i, task_type="code", judge_overall=5 if i < 3 else 2) for i in range(30)] + \
           [row(100 + i, task_type="writing", judge_overall=4) for i in range(2)] + \
           [row(200 + i, task_type="math", language="zh", judge_overall=3) for i in range(5)]
    kept, cuts = select(rows, BalanceConfig(max_examples=9, select=False))
    by_type = {t: sorted(r["example_id"] for r in kept if r["task_type"] == t) for t in ("code", "writing", "math")}
    assert len(kept) == 9 and len(by_type["writing"]) == 2  # a small stratum keeps all it has
    assert {"x0000", "x0001", "x0002"} <= set(by_type["code"])  # the best of the big stratum first
    assert {rule for _, rule, _, _ in cuts} == {"max_examples"} and len(cuts) == 37 - 9
    assert select(rows, BalanceConfig(max_examples=9, select=False)) == (kept, cuts)


def test_topic_clusters_spread_the_best_n_over_different_texts() -> None:
    # 10 near-identical recipes (one topic) outscore 4 different texts, yet N=6 takes every topic's best first
    rows = [row(i, judge_overall=5, topic="recipes") for i in range(10)] + \
           [row(100 + i, judge_overall=3, topic=f"t{i}") for i in range(4)]
    kept, cuts = select(rows, BalanceConfig(max_examples=6, select=False))
    assert sorted(r["example_id"] for r in kept if r["topic"] != "recipes") == ["x0100", "x0101", "x0102", "x0103"]
    assert sum(r["topic"] == "recipes" for r in kept) == 2 and len(cuts) == 8


def test_the_pipeline_keeps_the_best_n_and_logs_every_cut(tmp_path) -> None:
    import shutil

    import yaml

    from sft_assets.config import SAMPLE_CONFIG
    from sft_assets_tests.test_pipeline import PYTHON_ASSETS

    shutil.copytree(SAMPLE_CONFIG.parent / "data", tmp_path / "cfg" / "data")
    sample = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    sections = {k: v for k, v in sample.items() if k not in ("sources", "data_root", "balance")}
    config = write_config(tmp_path / "cfg", sample["sources"], balance={"max_examples": 30}, **sections)
    result = materialize(tmp_path / "home", config, assets=PYTHON_ASSETS)
    assert result.success
    store = Store(tmp_path / "home")
    assert store.row_count("selected") == 30 and store.row_count("curated") == 30
    cuts = store.query("SELECT rule, count(*) n FROM select_decisions GROUP BY rule").to_pylist()
    assert cuts == [{"rule": "balance_max_examples", "n": store.row_count("annotated") - 30}]
    [selected_event] = [m for m in result.asset_materializations_for_node("selected")]
    assert selected_event.metadata["cut"].value == store.row_count("annotated") - 30
