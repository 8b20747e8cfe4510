select example_id, source, norm_hash
from {{ source('sft', 'deduped') }}
