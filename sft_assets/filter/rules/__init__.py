"""The filter rules, one per file; `filter.registry.RULES` lists them in evaluation order."""
