"""bawaba.web."""
