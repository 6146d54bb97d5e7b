"""bawaba.search."""
