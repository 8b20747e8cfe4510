"""The LLM layer: canonical requests, a DuckDB ledger that is also the cache, an async OpenAI-compatible
client with rate limits and retries, budgeted runs, and the tasks (judge, labels) with heuristic fallbacks."""
