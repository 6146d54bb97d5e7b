"""bawaba.store: the only package that writes SQL.

``open_store(url)`` picks the backend from the URL scheme (``sqlite:///path.db`` or
``postgresql://user@host/db``), brings the schema to the newest migration and returns the store.
"""

from __future__ import annotations

from bawaba.errors import StoreError
from bawaba.store.base import ArticleFilter, Store, UpsertResult
from bawaba.store.engine import make_engine
from bawaba.store.sql import SqlStore

__all__ = ["ArticleFilter", "SqlStore", "Store", "UpsertResult", "open_store"]


def open_store(url: str, *, migrate: bool = True, store_class: type[SqlStore] = SqlStore) -> SqlStore:
    """Open (and by default migrate) the store at ``url``.

    Raises ``StoreError`` with a one-line message for a bad URL, an unreachable server or a
    failed migration. ``store_class`` lets a subclass (e.g. one overriding ``_index_article``)
    be opened the same way.
    """
    engine = make_engine(url)
    store = store_class(engine)
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
