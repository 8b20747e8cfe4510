select example_id, source, category, n_tokens, assistant_tokens, n_user, n_assistant
from {{ source('sft', 'curated') }}
