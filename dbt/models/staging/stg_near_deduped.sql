select example_id, source
from {{ source('sft', 'near_deduped') }}
