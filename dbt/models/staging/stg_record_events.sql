select rowid as event_seq, run_id, stage, example_id, source, decision, rule
from {{ source('sft', 'record_events') }}
