-- Token distribution per split (grain split): percentiles of tokens per example and of assistant tokens.
select
    split,
    count(*) as examples,
    min(n_tokens) as min_tokens,
    quantile_cont(n_tokens, 0.5) as p50_tokens,
    quantile_cont(n_tokens, 0.9) as p90_tokens,
    quantile_cont(n_tokens, 0.99) as p99_tokens,
    max(n_tokens) as max_tokens,
    quantile_cont(assistant_tokens, 0.5) as p50_assistant_tokens
from {{ ref('stg_split_examples') }}
group by split
order by split
