select
    source,
    file,
    format,
    container,
    encoding,
    rows_read,
    examples,
    quarantined,
    source || ':' || file as file_key
from {{ source('sft', 'ingest_files') }}
