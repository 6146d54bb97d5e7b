"""Fixtures: local misbehaving HTTP servers, stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .localserver import Counters, LocalServer


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def make_server() -> Iterator[Callable[..., LocalServer]]:
    started: list[LocalServer] = []

    def make(counters: Counters | None = None) -> LocalServer:
        srv = LocalServer(counters).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()
