-- Size and token statistics of each split.
with totals as (select count(*) as n from {{ ref('stg_split_examples') }})
select
    split,
    count(*) as examples,
    round(count(*) / nullif(max(totals.n), 0), 4) as share,
    sum(n_tokens) as tokens,
    round(avg(n_tokens), 1) as mean_tokens,
    sum(assistant_tokens) as assistant_tokens,
    count(distinct source) as sources
from {{ ref('stg_split_examples') }}
cross join totals
group by split
order by split
