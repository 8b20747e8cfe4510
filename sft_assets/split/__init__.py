"""Deterministic, stable train/val/test assignment."""
