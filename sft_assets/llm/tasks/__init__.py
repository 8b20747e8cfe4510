"""LLM tasks: each builds its requests (a versioned prompt template), validates and parses the answers
after the cache, and has a heuristic fallback for runs without a model."""
