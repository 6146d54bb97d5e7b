"""The ``portal`` fixture: the app over a fresh SQLite store with the sample articles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .sample import Portal, build_portal


@pytest.fixture
def portal(sqlite_url: str) -> Iterator[Portal]:
    p = build_portal(sqlite_url)
    try:
        yield p
    finally:
        p.client.close()
        p.store.close()
