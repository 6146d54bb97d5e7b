"""bawaba.text."""
