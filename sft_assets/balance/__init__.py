"""Balance: the shares the gates bound (task type, language, refusals, synthetic examples, sources), the
selection that downsamples over-represented groups to meet the caps, and the aggregates the gates check."""
