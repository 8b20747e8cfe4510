-- Quarantined rows per source and reason code.
select
    source || ':' || reason as reason_key,
    source,
    reason,
    count(*) as records,
    count(distinct file) as files
from {{ ref('stg_quarantine') }}
group by source, reason
order by source, records desc
