-- LLM spend per run, task and model (grain cost_key = run_id:task:model), from the ledger
select
    run_id || ':' || task || ':' || model as cost_key,
    run_id,
    task,
    model,
    count(*) as answers,
    sum(attempts) as attempts,
    sum(prompt_tokens) as prompt_tokens,
    sum(completion_tokens) as completion_tokens,
    round(sum(cost_usd), 6) as cost_usd
from {{ source('sft', 'llm_ledger') }}
group by run_id, task, model
