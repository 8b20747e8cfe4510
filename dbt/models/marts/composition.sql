-- Examples per split, task type, language and origin (grain composition_key), with each cell's share of its split.
with cells as (
    select split, coalesce(task_type, 'unlabeled') as task_type, coalesce(language, 'und') as language,
           coalesce(origin, 'human') as origin, count(*) as examples, sum(n_tokens) as tokens
    from {{ ref('stg_split_examples') }}
    group by all
)
select
    split || ':' || task_type || ':' || language || ':' || origin as composition_key,
    split, task_type, language, origin, examples, tokens,
    round(examples / sum(examples) over (partition by split), 4) as share_of_split
from cells
order by split, task_type, language, origin
