"""The definitions load, and the UI sees one lineage graph grouped by stage, with gates attached."""

from __future__ import annotations

import dagster as dg
import pytest


@pytest.fixture(scope="module")
def defs(dbt_manifest) -> dg.Definitions:
    from sft_assets.definitions import defs as load

    return load()


def test_every_asset_is_present_and_grouped_by_stage(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {
        "examples": "ingest", "quarantine": "ingest", "ingest_files": "ingest", "synthesized": "ingest",
        "cleaned": "curate", "filtered": "curate", "record_events": "curate", "deduped": "curate", "curated": "curate",
        "near_deduped": "curate", "decontaminated": "curate", "annotated": "curate", "selected": "curate", "stg_near_deduped": "staging",
        "stg_decontaminated": "staging",
        "train": "split", "val": "split", "test": "split",
        "exports": "export",
        "stg_examples": "staging", "stg_quarantine": "staging", "stg_ingest_files": "staging",
        "stg_deduped": "staging", "stg_curated": "staging", "stg_split_examples": "staging",
        "stg_cleaned": "staging", "stg_filtered": "staging", "stg_record_events": "staging",
        "funnel": "marts", "quarantine_reasons": "marts", "llm_costs": "marts", "composition": "marts", "decision_funnel": "marts", "token_stats": "marts", "split_stats": "marts", "rule_outcomes": "marts",
    }


def test_every_asset_has_a_description(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    missing = [k.to_user_string() for k in graph.get_all_asset_keys() if not graph.get(k).description]
    assert missing == []


def test_dbt_sources_are_the_python_assets_one_lineage_graph(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    parents = {k.to_user_string() for k in graph.get(dg.AssetKey("stg_split_examples")).parent_keys}
    assert parents == {"train", "val", "test"}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("stg_examples")).parent_keys} == {"examples"}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("funnel")).parent_keys} >= {"stg_quarantine", "stg_curated"}


def test_the_format_gate_is_a_blocking_check_on_curated(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    key = dg.AssetCheckKey(dg.AssetKey("curated"), "curated_format_gate")
    assert key in graph.asset_check_keys
    assert graph.get_check_spec(key).blocking


def test_the_leak_check_is_a_blocking_check_on_the_splits(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    key = dg.AssetCheckKey(dg.AssetKey("train"), "splits_leak_free")
    assert key in graph.asset_check_keys
    assert graph.get_check_spec(key).blocking


def test_job_schedule_and_sensor(defs: dg.Definitions) -> None:
    assert defs.resolve_job_def("curate_all") is not None
    assert defs.resolve_schedule_def("nightly_refresh").cron_schedule == "0 3 * * *"
    assert defs.resolve_sensor_def("source_files_changed") is not None


def test_sensor_requests_one_run_per_change(tmp_path) -> None:
    from sft_assets.defs.automation import source_files_changed
    from sft_assets.defs.resources import CurationConfigResource
    from sft_assets_tests.helpers import write_config

    config = write_config(tmp_path, [{"name": "a", "path": "a.jsonl"}])
    data = tmp_path / "data" / "a.jsonl"
    data.write_text('{"messages": []}\n')
    resources = {"curation": CurationConfigResource(path=str(config))}
    first = source_files_changed(dg.build_sensor_context(resources=resources))
    assert isinstance(first, dg.RunRequest)
    again = source_files_changed(dg.build_sensor_context(cursor=first.run_key, resources=resources))
    assert isinstance(again, dg.SkipReason)
    data.write_text('{"messages": []}\n{"messages": []}\n')
    changed = source_files_changed(dg.build_sensor_context(cursor=first.run_key, resources=resources))
    assert isinstance(changed, dg.RunRequest) and changed.run_key != first.run_key
