"""bawaba (بوابة): an engine for Arabic news aggregation portals."""

__version__ = "0.1.0"
