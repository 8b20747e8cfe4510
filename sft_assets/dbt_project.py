"""The one DbtProject object for the dbt project beside the package, and its manifest preparation."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"

dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
HOME_VAR = "sft_home"  # the dbt var (--vars) that points the profile at the home folder


def dbt_executable() -> str:
    """The dbt installed beside this interpreter (works without an activated venv), else dbt on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


def _newest_source_mtime() -> float:
    files = [DBT_DIR / "dbt_project.yml", DBT_DIR / "profiles.yml", *DBT_DIR.glob("models/**/*"), *DBT_DIR.glob("tests/**/*")]
    return max(f.stat().st_mtime for f in files if f.is_file())


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than the dbt sources; returns its path."""
    manifest = Path(dbt_project.manifest_path)
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        dbt_resource().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return manifest
