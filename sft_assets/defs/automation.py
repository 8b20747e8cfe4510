import dagster as dg

from sft_assets.config import ConfigError
from sft_assets.ingest.sources import source_fingerprint
from sft_assets.defs.resources import CurationConfigResource

nightly_refresh = dg.ScheduleDefinition(
    name="nightly_refresh",
    job_name="curate_all",
    cron_schedule="0 3 * * *",
    description="Rebuild the whole dataset every night at 03:00.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)


@dg.sensor(job_name="curate_all", minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def source_files_changed(context: dg.SensorEvaluationContext, curation: CurationConfigResource):
    """Rebuild when a source file or curation.yaml changes (size or modification time)."""
    try:
        fingerprint = source_fingerprint(curation.load().watched_paths())
    except ConfigError as exc:
        return dg.SkipReason(str(exc))
    if fingerprint == context.cursor:
        return dg.SkipReason("no source file changed")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint)
