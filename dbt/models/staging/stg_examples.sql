select
    source || ':' || file || ':' || locator as record_key,
    example_id,
    source,
    file,
    locator,
    source_format,
    origin,
    category,
    n_messages
from {{ source('sft', 'examples') }}
