"""Heuristic filter rules: each measures one property of an example and drops or flags it."""
