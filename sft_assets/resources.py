"""Dagster resources: the curation config and the DuckDB store, each resolved at run time."""

from __future__ import annotations

import dagster as dg

from sft_assets.config import LoadedConfig, load_config
from sft_assets.store import Store


class CurationConfigResource(dg.ConfigurableResource):
    """The curation.yaml in force: `path`, else $SFT_ASSETS_CONFIG, else the bundled sample."""

    path: str | None = None

    def load(self) -> LoadedConfig:
        return load_config(self.path)


class StoreResource(dg.ConfigurableResource):
    """The home folder with the DuckDB file and exports: `home`, else $SFT_ASSETS_HOME, else ./sft_home."""

    home: str | None = None

    def store(self) -> Store:
        return Store(self.home)
