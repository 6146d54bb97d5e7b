"""bawaba.store: the only package that writes SQL.

``open_store(url)`` picks the backend from the URL scheme (``sqlite:///path.db`` or
``postgresql://user@host/db``), brings the schema to the newest migration and returns the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bawaba.errors import StoreError
from bawaba.store.base import ArticleFilter, Store, UpsertResult

if TYPE_CHECKING:
    from bawaba.store.sql import SqlStore

__all__ = ["ArticleFilter", "SqlStore", "Store", "UpsertResult", "open_store"]


def __getattr__(name: str) -> Any:
    """``SqlStore`` on first use: SQLAlchemy and Alembic take most of a second to import, which
    commands that never open a store (``bawaba classify``) should not pay."""
    if name == "SqlStore":
        from bawaba.store.sql import SqlStore

        return SqlStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(url: str, *, migrate: bool = True, store_class: type[SqlStore] | None = None) -> SqlStore:
    """Open (and by default migrate) the store at ``url``.

    Raises ``StoreError`` with a one-line message for a bad URL, an unreachable server or a
    failed migration. ``store_class`` lets a subclass (e.g. one overriding ``_index_article``)
    be opened the same way.
    """
    from bawaba.store.engine import make_engine
    from bawaba.store.sql import SqlStore

    engine = make_engine(url)
    store = (store_class or SqlStore)(engine)
    try:
        if migrate:
            store.migrate()
        else:
            store.schema_revision()
    except StoreError as exc:
        store.close()
        raise StoreError(
            f"cannot open store {engine.url.render_as_string(hide_password=True)}: {exc}"
        ) from None
    return store
