"""One end-to-end run of the CLI on the bundled sample, dbt included, as a user would type it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest


def sft(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sft_assets.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def run_home(tmp_path_factory: pytest.TempPathFactory, dbt_manifest) -> tuple[Path, subprocess.CompletedProcess[str]]:
    home = tmp_path_factory.mktemp("cli_home")
    return home, sft("run", "--home", str(home), cwd=home)


def test_run_succeeds_with_progress_and_summary(run_home) -> None:
    home, proc = run_home
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "materialized examples (70 rows)" in proc.stderr
    assert "check        train:splits_leak_free passed" in proc.stderr
    assert "check        curated:curated_format_gate passed" in proc.stderr
    out = proc.stdout
    assert "  read           88" in out and "  quarantined    18" in out and "  near_deduped   53" in out
    assert "  filter         dropped   template_placeholder         1" in out
    assert "  decontaminate  dropped   eval_near_match              1" in out
    assert "  nul_byte                 1" in out
    assert "openai/train.jsonl" in out and "failed" in out and "succeeded" in out
    assert (home / "exports" / "openai" / "train.jsonl").is_file()


def test_dbt_marts_are_built_on_the_same_database(run_home) -> None:
    home, _ = run_home
    con = duckdb.connect(str(home / "sft_assets.duckdb"), read_only=True)
    try:
        funnel = dict(con.execute("SELECT stage, sum(records) FROM reports.funnel GROUP BY stage").fetchall())
        splits = con.execute("SELECT sum(examples) FROM reports.split_stats").fetchall()[0][0]
    finally:
        con.close()
    assert funnel["read"] == 88 and funnel["quarantined"] == 18 and funnel["curated"] == 50
    assert funnel["cleaned"] == 69 and funnel["filtered"] == 56 and funnel["decontaminated"] == 50
    assert splits == 50


def test_no_lock_errors_in_the_run_log(run_home) -> None:
    home, proc = run_home
    log = (home / "logs" / "last_run.log").read_text(encoding="utf-8")
    assert "Completed successfully" in log
    assert "lock" not in (log + proc.stderr).lower()


def test_explain_and_report(run_home) -> None:
    home, _ = run_home
    con = duckdb.connect(str(home / "sft_assets.duckdb"), read_only=True)
    try:
        dup = con.execute("SELECT example_id FROM record_events WHERE source = 'chat_en' AND stage = 'dedup_exact'"
                          ).fetchall()[0][0]
        kept = con.execute("SELECT example_id FROM train LIMIT 1").fetchall()[0][0]
    finally:
        con.close()
    explained = sft("explain", dup, "--home", str(home), cwd=home)
    assert explained.returncode == 0
    assert "[dedup_exact] dropped by exact_duplicate" in explained.stdout
    assert "chat_en chat_en.jsonl line 11" in explained.stdout
    in_train = sft("explain", kept, "--home", str(home), cwd=home)
    assert "Fate: in the train split" in in_train.stdout
    assert "Stages reached: examples, cleaned, filtered, deduped, near_deduped, decontaminated, annotated, selected, curated" in in_train.stdout
    missing = sft("explain", "does-not-exist", "--home", str(home), cwd=home)
    assert missing.returncode == 1 and "No example with id 'does-not-exist'" in missing.stdout
    report = sft("report", "--home", str(home), cwd=home)
    assert report.returncode == 0 and "  curated        50" in report.stdout


def test_bad_config_fails_before_any_work(tmp_path: Path) -> None:
    config = tmp_path / "curation.yaml"
    config.write_text("sources:\n  - name: a\n    path: missing.jsonl\n    format: excel\n")
    proc = sft("run", "--config", str(config), "--home", str(tmp_path / "home"), cwd=tmp_path)
    assert proc.returncode == 2
    assert f"{config}: sources[0].format: Input should be" in proc.stderr
    assert not (tmp_path / "home" / "sft_assets.duckdb").exists()


def test_explain_near_duplicate_and_contaminated_examples(run_home) -> None:
    home, _ = run_home
    con = duckdb.connect(str(home / "sft_assets.duckdb"), read_only=True)
    try:
        near = con.execute("SELECT example_id, value FROM record_events WHERE rule = 'near_duplicate'").fetchall()[0]
        leak = con.execute("SELECT example_id FROM record_events WHERE rule = 'eval_near_match'").fetchall()[0][0]
    finally:
        con.close()
    out = sft("explain", near[0], "--home", str(home), cwd=home).stdout
    assert f"[dedup_near] dropped by near_duplicate value={near[1]} threshold=0.55" in out
    assert "Fate: dropped at dedup_near by near_duplicate" in out
    assert f"example {near[1]} was kept instead" in out
    assert "Stages reached: examples, cleaned, filtered, deduped\n" in out
    out = sft("explain", leak, "--home", str(home), cwd=home).stdout
    assert "value=sample_eval#3" in out and "Fate: dropped at decontaminate by eval_near_match" in out
    assert "Stages reached: examples, cleaned, filtered, deduped, near_deduped\n" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "--workers", "-3"], "argument --workers: must be at least 1, not -3"),
    (["validate", "--format", "nope", "x.json"], "argument --format: invalid choice: 'nope'"),
    (["run", "--wait", "-1"], "argument --wait: must not be negative"),
])
def test_bad_arguments_are_refused_with_the_argument_named(argv: list[str], message: str, capsys) -> None:
    from sft_assets.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_version_and_readers_that_never_create_a_home(tmp_path: Path, capsys) -> None:
    from sft_assets.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("sft-assets ")
    missing = tmp_path / "nowhere"
    for argv in (["explain", "abc", "--home", str(missing)], ["report", "--home", str(missing)]):
        assert main(argv) == 1
        assert "no pipeline database at" in capsys.readouterr().err
    assert not missing.exists()


def test_a_failed_run_says_what_did_not_run_and_what_is_left_from_before(run_home, tmp_path: Path) -> None:
    """Runs last on the shared home: a format gate that fails (max_tokens 20) after the successful run."""
    import yaml

    from sft_assets.config import SAMPLE_CONFIG

    home, _ = run_home
    config = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    config["data_root"] = str((SAMPLE_CONFIG.parent / config.get("data_root", ".")).resolve())
    config["tokens"] = {**config.get("tokens", {}), "max_tokens": 20}
    path = tmp_path / "curation.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    proc = sft("run", "--home", str(home), "--config", str(path), cwd=tmp_path)
    assert proc.returncode == 1
    out = proc.stdout
    assert "GATE FAILED: curated:curated_format_gate" in out
    # a check that never ran is not "passed": every check downstream of the failed gate is counted as not run
    assert re.search(r"2 passed, 1 failed, [1-9]\d* did not run \(checks per asset: ", out), out
    assert "train 1" in out and "STEP FAILED" not in out
    assert "  train          42  (from an earlier run: this run did not refresh it)" in out
    assert "  curated        50\n" in out  # refreshed by this run
    assert f"Exports:  {home / 'exports'}  (from an earlier run" in out
    assert out.rstrip().endswith("FAILED")


def test_prepare_builds_what_dagster_dev_needs_with_telemetry_off(tmp_path: Path, dbt_manifest, capsys) -> None:
    import yaml

    from sft_assets.cli import main

    assert main(["prepare", "--home", str(tmp_path / "home")]) == 0
    instance = tmp_path / "home" / "dagster" / "dagster.yaml"
    assert yaml.safe_load(instance.read_text(encoding="utf-8")) == {"telemetry": {"enabled": False}}
    assert f"DAGSTER_HOME={instance.parent}" in capsys.readouterr().out
    instance.write_text("telemetry:\n  enabled: true\n", encoding="utf-8")  # the user's own choice is kept
    assert main(["prepare", "--home", str(tmp_path / "home")]) == 0
    assert "enabled: true" in instance.read_text(encoding="utf-8")
