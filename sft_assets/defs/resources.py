import dagster as dg
from sft_assets.dbt_project import dbt_resource
from sft_assets.progress import progress_logger
from sft_assets.resources import CurationConfigResource, StoreResource


@dg.definitions
def resources() -> dg.Definitions:
    # One process writes the DuckDB file at a time: steps run in-process, parallelism lives inside assets.
    return dg.Definitions(
        resources={
            "curation": CurationConfigResource(),
            "store": StoreResource(),
            "dbt": dbt_resource(),
        },
        executor=dg.in_process_executor,
        # Used only when a run's config names them (the CLI asks for "progress"); the UI keeps its default.
        loggers={"console": dg.colored_console_logger, "progress": progress_logger},
    )
