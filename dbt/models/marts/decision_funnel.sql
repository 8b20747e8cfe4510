-- Examples per source x stage x decision x reason in the latest run of each stage, with the rows quarantined
-- at ingest as stage 'ingest', decision 'quarantined' (grain funnel_key = source:stage:decision:reason).
with events as (select * from {{ ref('stg_record_events') }}),
latest as (select stage, arg_max(run_id, event_seq) as run_id from events group by stage),
decided as (
    select e.source, e.stage, e.decision, e.rule as reason, count(distinct e.example_id) as records
    from events e
    join latest l on l.stage = e.stage and l.run_id = e.run_id
    group by all
),
quarantined as (
    select source, 'ingest' as stage, 'quarantined' as decision, reason, count(*) as records
    from {{ ref('stg_quarantine') }}
    group by all
)
select source || ':' || stage || ':' || decision || ':' || reason as funnel_key, source, stage, decision, reason, records
from (select * from decided union all select * from quarantined)
order by source, stage, decision, reason
