"""Alembic environment: runs on the connection the store hands over (no alembic.ini, no URL).

``bawaba.store.migrate`` builds the Alembic config in code and puts an open connection, already
inside the store's write transaction, in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from bawaba.store.schema import metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("bawaba migrations run through bawaba.store.migrate, which supplies a connection")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run `bawaba db upgrade`")
run_migrations_online()
