"""Cleaning: text repair, HTML and boilerplate removal, standardization, PII and secret redaction."""
