"""sft-assets."""
