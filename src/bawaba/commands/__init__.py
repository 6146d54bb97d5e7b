"""CLI command groups, one module per area; ``bawaba.cli`` mounts them.

Each module exposes ``register(app: typer.Typer) -> None``.
"""
