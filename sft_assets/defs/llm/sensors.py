import os

import dagster as dg

from sft_assets.config import load_config
from sft_assets.core.store import Store
from sft_assets.llm.batch import finished_batches


@dg.sensor(asset_selection=dg.AssetSelection.assets("synthesized", "annotated").downstream(),
           minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED)
def llm_batches_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """In llm.mode batch: when a submitted batch has finished at the provider, rebuild the LLM steps and
    everything downstream (their first act is to ingest the batch's answers into the ledger). Reads the
    config and home from $SFT_ASSETS_CONFIG / $SFT_ASSETS_HOME, like the resources' defaults."""
    config = load_config(None).config.llm
    if config.mode != "batch" or not config.configured:
        return dg.SkipReason("llm.mode is not batch, or no llm.model is configured")
    try:
        done = finished_batches(config, Store(create=False), os.environ.get(config.api_key_env, ""))
    except Exception as exc:  # a busy database or an unreachable provider: try again next tick
        return dg.SkipReason(f"could not check the batches: {type(exc).__name__}")
    if not done:
        return dg.SkipReason("no submitted batch has finished")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key="batches:" + ",".join(done))])
