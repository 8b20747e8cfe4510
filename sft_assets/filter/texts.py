"""The texts the filter gates read, pulled out of a whole chunk's canonical messages JSON by DuckDB.

For each row: the user turns and the assistant turns (each joined with newlines), every message text
(joined with spaces), the last assistant reply, and whether some message is blank. They equal what
rules.ExampleView builds for one row in Python (`test_filter_gates.py` compares them), at a fraction of the
cost, so Python objects are made only for the rows a gate leaves open.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from sft_assets.re2_bounds import PY_SPACE_CHARS

SQL = f"""
WITH parsed AS (
    SELECT i, list_transform(turns, t -> t.role) AS roles, list_transform(turns, t -> coalesce(t.content, '')) AS contents
    FROM (SELECT i, json_transform(messages, '[{{"role": "VARCHAR", "content": "VARCHAR"}}]') AS turns FROM incoming)
), paired AS (
    SELECT i, contents, list_zip(roles, contents) AS turns FROM parsed
)
SELECT
    array_to_string(list_transform(list_filter(turns, t -> t[1] = 'user'), t -> t[2]), chr(10)) AS user,
    array_to_string(list_transform(list_filter(turns, t -> t[1] = 'assistant'), t -> t[2]), chr(10)) AS assistant,
    array_to_string(contents, ' ') AS every,
    coalesce(list_filter(turns, t -> t[1] = 'assistant')[-1][2], '') AS reply,
    list_bool_or(list_transform(contents, x -> regexp_full_match(x, '[{PY_SPACE_CHARS}]*'))) AS blank_turn
FROM paired
ORDER BY i
"""


def conversation_texts(messages: pa.Array | pa.ChunkedArray) -> pa.Table:
    """One row per conversation: user, assistant, every, reply (strings) and blank_turn (bool)."""
    con = duckdb.connect(config={"threads": 1})
    try:
        con.register("incoming", pa.table({"i": pa.array(range(len(messages)), pa.int64()), "messages": messages}))
        return con.execute(SQL).to_arrow_table()
    finally:
        con.close()
