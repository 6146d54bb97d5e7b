"""bawaba.store."""
