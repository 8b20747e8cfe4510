-- Records per source per pipeline stage: where the data goes and where it is lost.
with counts as (
    select source, 'read' as stage, 1 as stage_order, sum(rows_read) as records from {{ ref('stg_ingest_files') }} group by source
    union all
    select source, 'quarantined', 2, count(*) from {{ ref('stg_quarantine') }} group by source
    union all
    select source, 'ingested', 3, count(*) from {{ ref('stg_examples') }} group by source
    union all
    select source, 'cleaned', 4, count(*) from {{ ref('stg_cleaned') }} group by source
    union all
    select source, 'filtered', 5, count(*) from {{ ref('stg_filtered') }} group by source
    union all
    select source, 'deduped', 6, count(*) from {{ ref('stg_deduped') }} group by source
    union all
    select source, 'near_deduped', 7, count(*) from {{ ref('stg_near_deduped') }} group by source
    union all
    select source, 'decontaminated', 8, count(*) from {{ ref('stg_decontaminated') }} group by source
    union all
    select source, 'curated', 9, count(*) from {{ ref('stg_curated') }} group by source
    union all
    select source, split, case split when 'train' then 10 when 'val' then 11 else 12 end, count(*)
    from {{ ref('stg_split_examples') }} group by source, split
),
sources as (select distinct source from {{ ref('stg_ingest_files') }}),
stages as (
    select * from (values ('read', 1), ('quarantined', 2), ('ingested', 3), ('cleaned', 4), ('filtered', 5),
                          ('deduped', 6), ('near_deduped', 7), ('decontaminated', 8), ('curated', 9),
                          ('train', 10), ('val', 11), ('test', 12)) as s(stage, stage_order)
)
select
    sources.source || ':' || stages.stage as funnel_key,
    sources.source,
    stages.stage,
    stages.stage_order,
    coalesce(counts.records, 0) as records
from sources
cross join stages
left join counts on counts.source = sources.source and counts.stage = stages.stage
order by sources.source, stages.stage_order
