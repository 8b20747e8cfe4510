-- Nothing is lost at ingest: for every source, rows read = examples + quarantined.
select source
from {{ ref('funnel') }}
group by source
having sum(case when stage = 'read' then records end)
    != sum(case when stage in ('ingested', 'quarantined') then records end)
