-- What each cleaning, filter and dedup rule did in the latest run of its stage.
with events as (select * from {{ ref('stg_record_events') }}),
latest as (select stage, arg_max(run_id, event_seq) as run_id from events group by stage)
select
    e.stage || ':' || e.decision || ':' || e.rule as outcome_key,
    e.stage,
    e.decision,
    e.rule,
    count(distinct e.example_id) as examples,
    count(*) as events
from events e
join latest l on l.stage = e.stage and l.run_id = e.run_id
group by e.stage, e.decision, e.rule
order by e.stage, examples desc
