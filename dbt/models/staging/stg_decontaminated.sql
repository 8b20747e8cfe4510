select example_id, source
from {{ source('sft', 'decontaminated') }}
