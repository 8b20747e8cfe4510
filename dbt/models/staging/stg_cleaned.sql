select example_id, source, file, locator
from {{ source('sft', 'cleaned') }}
