select
    source || ':' || file || ':' || locator as record_key,
    source,
    file,
    locator,
    reason,
    detail
from {{ source('sft', 'quarantine') }}
