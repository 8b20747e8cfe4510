"""Curation steps between ingest and split: exact dedup, format measurement."""
