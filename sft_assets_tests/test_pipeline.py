"""The Python assets through dg.materialize on the bundled sample, with test resources per home folder."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import dagster as dg
import orjson
import pyarrow as pa
import pytest

from sft_assets.config import SAMPLE_CONFIG
from sft_assets.defs.clean.assets import cleaned
from sft_assets.defs.curate.assets import curated, record_events
from sft_assets.defs.curate.checks import curated_balance_gate, curated_duplication_gate, curated_format_gate
from sft_assets.defs.decontam.assets import decontaminated
from sft_assets.defs.dedup.assets import deduped, near_deduped
from sft_assets.defs.filter.assets import filtered
from sft_assets.defs.split.checks import splits_leak_free
from sft_assets.defs.export.assets import exports
from sft_assets.defs.ingest.assets import ingest
from sft_assets.defs.llm.assets import annotated, synthesized
from sft_assets.defs.select.assets import selected
from sft_assets.defs.split.assets import splits
from sft_assets.defs.resources import CurationConfigResource, StoreResource, WorkerPoolResource
from sft_assets.core.store import Store
from sft_assets_tests.helpers import write_config

PYTHON_ASSETS = [ingest, synthesized, cleaned, filtered, deduped, near_deduped, decontaminated, annotated, selected, curated, record_events,
                 curated_format_gate, curated_balance_gate, curated_duplication_gate, splits, splits_leak_free, exports]
SAMPLE_REASONS = {
    "empty_turn": 3, "missing_content": 2, "invalid_json": 1, "invalid_tool_call": 1, "invalid_utf8": 1,
    "malformed_row": 1, "missing_messages": 1, "no_assistant_turn": 1, "no_user_turn": 1, "non_string_content": 1,
    "not_an_object": 1, "nul_byte": 1, "oversized_record": 1, "roles_not_alternating": 1, "unknown_role": 1,
}


def materialize(home: Path, config: Path = SAMPLE_CONFIG, assets=PYTHON_ASSETS, selection=None):
    return dg.materialize(
        assets,
        resources={"curation": CurationConfigResource(path=str(config)), "store": StoreResource(home=str(home)),
                   "workers": WorkerPoolResource()},
        instance=dg.DagsterInstance.ephemeral(),
        run_config={"ops": {name: {"config": {"workers": 1}}
                            for name in ("ingest", "cleaned", "filtered", "near_deduped")
                            if any(a.node_def.name == name for a in assets)}},
        selection=selection,
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    result = materialize(home)
    assert result.success
    return home


def count(store: Store, table: str) -> int:
    return store.query(f'SELECT count(*) AS n FROM "{table}"').column("n")[0].as_py()


def test_sample_counts_per_stage(sample_home: Path) -> None:
    store = Store(sample_home)
    assert count(store, "examples") == 70
    assert count(store, "quarantine") == 18
    assert count(store, "cleaned") == 69  # one record dropped for a Chinese resident ID (sample policy: drop)
    assert count(store, "filtered") == 56
    assert count(store, "deduped") == 54
    assert count(store, "near_deduped") == 53  # the edited copy of the bread conversation
    assert count(store, "decontaminated") == 50  # verbatim, Traditional-Chinese and reordered eval items
    assert count(store, "curated") == 50
    assert count(store, "train") + count(store, "val") + count(store, "test") == 50
    reasons = Counter(store.query("SELECT reason FROM quarantine").column("reason").to_pylist())
    assert reasons == SAMPLE_REASONS


def test_rows_read_equals_examples_plus_quarantined_per_file(sample_home: Path) -> None:
    files = Store(sample_home).query("SELECT * FROM ingest_files ORDER BY source").to_pylist()
    assert len(files) == 7
    assert sum(f["rows_read"] for f in files) == 88
    for f in files:
        assert f["rows_read"] == f["examples"] + f["quarantined"], f
    by_file = {f["file"]: f for f in files}
    assert by_file["alpaca_zh.json"]["encoding"] == "utf-16"
    assert by_file["sharegpt_zh.json"]["bom"] is True
    assert by_file["dolly_en.jsonl.gz"]["crlf"] is True


def test_exact_duplicates_are_dropped_with_the_kept_id(sample_home: Path) -> None:
    store = Store(sample_home)
    events = store.query("SELECT * FROM record_events WHERE stage = 'dedup_exact' ORDER BY source, locator").to_pylist()
    assert [(e["source"], e["locator"], e["rule"]) for e in events] == [
        ("chat_en", "line 11", "exact_duplicate"), ("dolly_en", "line 5", "exact_duplicate")]
    kept = {r["example_id"] for r in store.query("SELECT example_id FROM deduped").to_pylist()}
    assert all(e["value"] in kept for e in events)
    assert events[1]["value"] == events[1]["example_id"]  # same canonical content from two sources
    assert "chat_en line 6" in events[1]["detail"]


def test_exports_match_the_manifest_and_the_splits(sample_home: Path) -> None:
    import hashlib

    store = Store(sample_home)
    manifest = orjson.loads((store.exports_dir / "manifest.json").read_bytes())
    splits = ("train", "val", "test")
    assert {f["path"] for f in manifest["files"]} == {
        *(f"{fmt}/{split}.jsonl" for fmt in ("openai", "sharegpt", "alpaca", "xtuner") for split in splits),
        *(f"parquet/{split}.parquet" for split in splits), "dataset_info.json", "README.md",
        *(f"plots/{name}.png" for name in ("lengths", "task_type", "language", "origin"))}
    for entry in manifest["files"]:
        data = (store.exports_dir / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        if entry["path"].endswith(".jsonl"):
            assert data.count(b"\n") == entry["records"]
        if entry["format"] == "openai":
            assert entry["records"] == count(store, entry["split"])
    first = orjson.loads((store.exports_dir / "openai" / "train.jsonl").read_bytes().splitlines()[0])
    assert first["messages"][-1]["role"] == "assistant"


def test_materialization_metadata_shows_counts_and_previews(tmp_path: Path) -> None:
    result = materialize(tmp_path, assets=[ingest])
    [examples] = [m for m in result.asset_materializations_for_node("ingest") if m.asset_key.path == ["examples"]]
    assert examples.metadata["rows_read"].value == 88
    assert "chat_en.jsonl" in examples.metadata["files"].value
    [quarantine] = [m for m in result.asset_materializations_for_node("ingest") if m.asset_key.path == ["quarantine"]]
    assert "| roles_not_alternating | 1 |" in quarantine.metadata["per_reason"].value


def test_same_inputs_give_byte_identical_outputs(sample_home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert materialize(other).success
    a, b = Store(sample_home), Store(other)
    for path in sorted(p.relative_to(a.exports_dir) for p in a.exports_dir.rglob("*") if p.is_file()):
        assert (a.exports_dir / path).read_bytes() == (b.exports_dir / path).read_bytes(), path
    for table in ("examples", "quarantine", "deduped", "curated", "train", "val", "test"):
        assert a.query(f'SELECT * FROM "{table}"').equals(b.query(f'SELECT * FROM "{table}"')), table


def test_new_data_never_moves_an_example_to_another_split(sample_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(sample_home, home)
    before = {r["example_id"]: r["split"] for r in Store(home).query("SELECT * FROM split_assignments").to_pylist()}
    data = tmp_path / "cfg" / "data"
    shutil.copytree(SAMPLE_CONFIG.parent / "data", data)
    extra = [{"messages": [{"role": "user", "content": f"What is {i} plus {i + 1}, written out in words?"},
                           {"role": "assistant", "content": f"{i} plus {i + 1} equals {2 * i + 1}."}]}
             for i in range(60)]
    (data / "extra.jsonl").write_bytes(b"\n".join(orjson.dumps(r) for r in extra))
    import yaml

    sample = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    sections = {k: v for k, v in sample.items() if k not in ("sources", "split", "data_root")}
    sections["balance"] = {"min_rows": 1000}  # 60 arithmetic questions: balance would cut them, not the point here
    config = write_config(tmp_path / "cfg", [*sample["sources"], {"name": "extra", "path": "extra.jsonl"}],
                          split={"seed": 20240601, "ratios": {"train": 0.5, "val": 0.25, "test": 0.25}}, **sections)
    assert materialize(home, config).success
    after = {r["example_id"]: r["split"] for r in Store(home).query("SELECT * FROM split_assignments").to_pylist()}
    assert len(after) == len(before) + 60
    assert all(after[i] == s for i, s in before.items())


def test_the_format_gate_blocks_the_splits(tmp_path: Path) -> None:
    store = Store(tmp_path)
    good = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    bad = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}, {"role": "user", "content": "dangling"}]
    rows = [
        {"example_id": "good0001", "source": "s", "file": "f", "locator": "line 1", "messages": orjson.dumps(good).decode()},
        {"example_id": "bad00001", "source": "s", "file": "f", "locator": "line 2", "messages": orjson.dumps(bad).decode()},
    ]
    store.replace_table("selected", pa.Table.from_pylist(rows))
    result = materialize(tmp_path, assets=[curated, curated_format_gate, splits],
                         selection=["curated", "train", "val", "test"])
    assert not result.success
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed
    failures = evaluation.metadata["failures"].value
    assert {f["column"] for f in failures} == {"last_role"}
    assert failures[0]["example_ids"] == ["bad00001"]
    assert not store.has_table("train")


SAMPLE_SECRETS = ("help.desk@example.com", "7946 0958", "13812345678", "4111 1111 1111 1111", "sk-proj-AbCdEf",
                  "AKIAIOSFODNN7EXAMPLE", "ghp_aBcDeFg", "wJalrXUtnFEMI", "MIIEpAIBAAKCAQEA7", "110105199003071239")


def test_no_raw_secret_in_events_exports_or_metadata(tmp_path: Path) -> None:
    result = materialize(tmp_path)
    store = Store(tmp_path)
    texts = [str(m.metadata) for m in result.get_asset_materialization_events() for m in [m.materialization]]
    texts += [str(row) for row in store.query("SELECT * FROM record_events").to_pylist()]
    texts += [p.read_text(encoding="utf-8") for p in store.exports_dir.rglob("*.json*")]
    texts += [str(row) for table in ("cleaned", "filtered", "curated", "train", "val", "test")
              for row in store.query(f'SELECT messages FROM "{table}"').to_pylist()]
    blob = "\n".join(texts)
    leaked = [secret for secret in SAMPLE_SECRETS if secret in blob]
    assert leaked == []
    assert "[EMAIL]" in blob and "[OPENAI_KEY]" in blob and "[PRIVATE_KEY]" in blob


def test_clean_and_filter_metadata_name_rules_and_ids(sample_home: Path, tmp_path: Path) -> None:
    result = materialize(tmp_path, assets=[ingest, cleaned, filtered])
    by_key = {m.asset_key.path[0]: m.metadata for m in result.get_asset_materialization_events() for m in [m.materialization]}
    assert by_key["cleaned"]["examples_dropped"].value == 1
    assert "| pii_cn_id | dropped | 1 |" in by_key["cleaned"]["per_rule"].value
    assert "| email | 1 |" in by_key["cleaned"]["pii_found_per_type"].value
    table = by_key["filtered"]["per_rule"].value
    assert "| unseen_content | dropped | 2 |" in table and "| refusal | flagged | 1 |" in table
    assert by_key["filtered"]["refusals_kept"].value == 1


def test_near_dedup_reuses_stored_signatures_and_decontaminates(sample_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(sample_home, home)
    result = materialize(home)
    [near] = [m.materialization for m in result.get_asset_materialization_events()
              if m.materialization.asset_key.path == ["near_deduped"]]
    assert near.metadata["signatures_computed"].value == 0
    assert near.metadata["signatures_reused"].value == 54
    assert near.metadata["dropped_near_duplicate"].value == 1
    store = Store(home)
    rules = sorted(r["rule"] for r in store.query(
        "SELECT rule FROM record_events WHERE stage = 'decontaminate' AND run_id = ?", [result.run_id]).to_pylist())
    assert rules == ["eval_near_match", "eval_ngram_overlap", "eval_ngram_overlap"]
    clusters = store.query("SELECT * FROM near_dup_clusters").to_pylist()
    assert len(clusters) == 2 and len({c["cluster_id"] for c in clusters}) == 1


def test_the_decision_log_is_a_materialized_asset_that_appends_each_stage_run_once(tmp_path: Path) -> None:
    from sft_assets.core.events import STAGES, append_to_log, decisions_table_name

    home = tmp_path / "home"
    result = materialize(home)
    assert result.success
    store = Store(home)
    logged = count(store, "record_events")
    per_stage = sum(count(store, decisions_table_name(stage)) for stage in STAGES)
    assert logged == per_stage == 38  # every stage's latest decisions, once
    log = result.asset_materializations_for_node("record_events")[0].metadata
    assert log["appended_this_run"].value == 38
    assert append_to_log(store) == dict.fromkeys(STAGES, 0)  # materializing it again adds nothing
    assert count(store, "record_events") == 38
    runs = store.query("SELECT DISTINCT run_id FROM record_events").column("run_id").to_pylist()
    assert runs == [result.run_id]


def test_every_table_asset_reports_its_columns(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = materialize(home)
    tables = 0
    for node in ("ingest", "cleaned", "filtered", "deduped", "near_deduped", "decontaminated", "annotated", "curated",
                 "record_events", "splits"):
        for materialization in result.asset_materializations_for_node(node):
            table = materialization.asset_key.path[-1]
            schema = materialization.metadata["dagster/column_schema"].schema
            stored = Store(home).query(f'SELECT * FROM "{table}" LIMIT 0').column_names
            assert [column.name for column in schema.columns] == stored, table
            tables += 1
    assert tables == 14
