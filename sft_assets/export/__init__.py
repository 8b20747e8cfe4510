"""Writing the splits to training-ready files."""
