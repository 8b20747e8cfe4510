"""Dagster resources: the curation config, the DuckDB store and the row-stage worker pool, each resolved
at run time from resource config (or the environment variables named in their fields), never at import."""

from __future__ import annotations

from functools import partial
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from sft_assets.clean.stage import warm_up as clean_warm_up
from sft_assets.config import LoadedConfig, load_config
from sft_assets.core.store import HomeBusy, Store, home_lock
from sft_assets.dbt_project import dbt_resource
from sft_assets.filter.apply import warm_up as filter_warm_up
from sft_assets.progress import progress_logger
from sft_assets.rowstage.pool import WorkerPool


class CurationConfigResource(dg.ConfigurableResource):
    """The curation.yaml in force: `path`, else $SFT_ASSETS_CONFIG, else the bundled sample."""

    path: str | None = None

    def load(self) -> LoadedConfig:
        return load_config(self.path)


class StoreResource(dg.ConfigurableResource):
    """The home folder with the DuckDB file and exports: `home`, else $SFT_ASSETS_HOME, else ./sft_home.
    A run holds the home for its whole length: a second run on it waits `wait_seconds`, then fails naming
    the run that holds it."""

    home: str | None = None
    wait_seconds: float = 0.0
    _held: Any = PrivateAttr(default=None)

    def store(self) -> Store:
        return Store(self.home)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        lock = home_lock(Store(self.home).home, self.wait_seconds)
        try:
            lock.__enter__()
        except HomeBusy as exc:
            raise dg.Failure(str(exc)) from None
        self._held = lock

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._held is not None:
            self._held.__exit__(None, None, None)
            self._held = None


class RowStageConfig(dg.Config):
    """Run config shared by the stages that spread rows over processes (ingest, cleaned, filtered,
    near_deduped)."""

    workers: int = 2  # processes sharing the rows


class WorkerPoolResource(dg.ConfigurableResource):
    """Worker processes shared by the row stages of one run (started on first need, loaded with the clean
    and filter stages' models and kernels, stopped when the run ends)."""

    _pools: dict = PrivateAttr(default_factory=dict)

    def pool(self, workers: int, store: Store, encoding: str) -> WorkerPool:
        if workers not in self._pools:
            self._pools[workers] = WorkerPool(workers, store.cache_dir,
                                              (clean_warm_up, partial(filter_warm_up, encoding)))
        return self._pools[workers]

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        while self._pools:
            self._pools.popitem()[1].close()


@dg.definitions
def resources() -> dg.Definitions:
    # One process writes the DuckDB file at a time: steps run in-process, parallelism lives inside assets.
    return dg.Definitions(
        resources={
            "curation": CurationConfigResource(),
            "store": StoreResource(),
            "workers": WorkerPoolResource(),
            "dbt": dbt_resource(),
        },
        executor=dg.in_process_executor,
        # Used only when a run's config names them (the CLI asks for "progress"); the UI keeps its default.
        loggers={"console": dg.colored_console_logger, "progress": progress_logger},
    )
