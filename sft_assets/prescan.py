"""Vectorized pre-scan: which rows could any cleaning transform or PII detector touch at all?

DuckDB evaluates one RE2 pattern over a chunk's canonical messages JSON in C++. A match is a NECESSARY
condition for a transform to change the row (the pattern is a superset of every transform's trigger), so
rows without one are passed through unparsed with no change in outcome; the Python transforms stay the
one place that decides. `test_prescan.py` checks that outcomes with and without the pre-scan are identical
on the sample and on real data. (Filter rules measure every row, so they have no such gate.)
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from sft_assets.clean.redact import DETECTORS
from sft_assets.clean.transforms import BOILERPLATE_HINT, HTML_TAGS
from sft_assets.config import CleanConfig

# Whitespace Python's str.split()/strip() know and RE2's \s does not.
UNICODE_SPACE = r"\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def clean_gate_regex(config: CleanConfig) -> str:
    """One RE2 pattern over a row's canonical messages JSON: no match means no transform can change it."""
    parts = [
        r"[\x{c2}-\x{f4}][\x{80}-\x{bf}\x{152}\x{153}\x{160}\x{161}\x{178}\x{17d}\x{17e}\x{192}\x{2c6}\x{2dc}\x{2013}-\x{203a}\x{20ac}\x{2122}]",
        r"\\u00[01][0-9a-fA-F]|\\[bf]|[\x{7f}-\x{9f}\x{200b}-\x{200d}\x{2060}\x{feff}\x{202a}-\x{202e}\x{2066}-\x{2069}]",
        r"(?i)</?(?:" + "|".join(HTML_TAGS) + r")\b|&(?:[a-zA-Z]{2,8}|#\p{Nd}{2,6}|#x[0-9a-fA-F]{2,6});",
        r"(?i)\\n\\n(?:\s|\\[nt])*(?:<|no|n/?a|none|null|nil|-|无|空)",
        r" \\n|\\t\\n|\\n\\n\\n|\\r|\"content\":\"(?: |\\[nt])|(?: |\\[nt])\",\"|(?: |\\[nt])\"}|" + f"[{UNICODE_SPACE}]",
        *[f"(?:{d.candidate})" for d in DETECTORS],
    ]
    parts[4] = parts[4].replace(r"\\n\\n\\n", r"\\n" * (config.max_blank_lines + 2))
    boiler = config.boilerplate
    if boiler.enabled:
        if boiler.extra_patterns:
            return "."  # custom patterns have no RE2 superset here: every row goes to Python
        parts.append(BOILERPLATE_HINT)
    return "|".join(f"(?:{p})" for p in parts)


def _run(sql: str, table: pa.Table) -> pa.Table:
    con = duckdb.connect(config={"threads": 1})
    try:
        con.register("incoming", pa.table({"i": pa.array(np.arange(table.num_rows)), "messages": table.column("messages")}))
        return con.execute(sql).to_arrow_table()
    finally:
        con.close()


def clean_gates(table: pa.Table, config: CleanConfig) -> np.ndarray:
    """True where some cleaning transform or PII detector could apply."""
    if table.num_rows == 0:
        return np.zeros(0, dtype=bool)
    pattern = clean_gate_regex(config)
    result = _run(f"SELECT i, regexp_matches(messages, {_q(pattern)}) AS gate FROM incoming ORDER BY i", table)
    return result.column("gate").to_numpy(zero_copy_only=False).astype(bool)
