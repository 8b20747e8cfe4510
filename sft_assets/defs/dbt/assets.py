import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from sft_assets.dbt_project import HOME_VAR, dbt_project
from sft_assets.defs.resources import StoreResource


class FolderGroups(DagsterDbtTranslator):
    """dbt folders (staging, marts) become Dagster asset groups."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "marts"


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=FolderGroups())
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, store: StoreResource):
    # dbt runs as a subprocess: its profile reads the home folder from --vars (the same DuckDB file as the
    # Python assets), so nothing is written to this process's environment.
    home = json.dumps({HOME_VAR: str(store.store().home)})
    yield from dbt.cli(["build", "--vars", home], context=context).stream()
