"""bawaba.pipeline."""
