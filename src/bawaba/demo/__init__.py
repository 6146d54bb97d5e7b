"""bawaba.demo."""
