"""Format rules, token counting and the Great Expectations gate."""
