select example_id, source, category, origin, task_type, language, n_tokens, assistant_tokens, 'train' as split from {{ source('sft', 'train') }}
union all
select example_id, source, category, origin, task_type, language, n_tokens, assistant_tokens, 'val' as split from {{ source('sft', 'val') }}
union all
select example_id, source, category, origin, task_type, language, n_tokens, assistant_tokens, 'test' as split from {{ source('sft', 'test') }}
