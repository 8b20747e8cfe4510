from __future__ import annotations

import os
from pathlib import Path

import pytest

from sft_assets_tests.helpers import SHARED_DATA


@pytest.fixture(scope="session", autouse=True)
def _quiet_environment() -> None:
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """Definitions need the dbt manifest; build it once per test session."""
    from sft_assets.dbt_project import ensure_manifest

    return ensure_manifest()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"realistic data folder {SHARED_DATA} is absent")
    return SHARED_DATA
