select example_id, source, file, locator, is_refusal, flags
from {{ source('sft', 'filtered') }}
