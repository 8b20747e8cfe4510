"""Near-duplicate detection (MinHash LSH) and eval-set decontamination."""
