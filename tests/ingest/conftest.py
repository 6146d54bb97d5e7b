"""The demo network, started once per module, and helpers to register it as sources."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from bawaba.config import Settings
from bawaba.demo import start_network
from bawaba.store.base import Store


@pytest.fixture(scope="module")
def network() -> Iterator[Any]:
    with start_network(host="127.0.0.1", base_port=0) as net:
        yield net


def crawl_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, allow_private_addresses=True, host_delay_s=0.0,
                    total_timeout_s=20.0, read_timeout_s=10.0)


def add_demo_sources(store: Store, net: Any, cfg: Settings) -> None:
    from bawaba.commands.sources import save_spec
    from bawaba.pipeline.discover import discover_source
    from bawaba.pipeline.fetch import Fetcher, FetchPolicy

    async def run() -> None:
        async with Fetcher(FetchPolicy.from_settings(cfg)) as fetcher:
            for url in net.source_urls():
                save_spec(store, await discover_source(fetcher, url), cfg.default_poll_s)

    asyncio.run(run())


def expected_articles(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Manifest articles a polite, correct crawler must store (by URL)."""
    return {a["url"]: a for a in manifest["articles"] if not a.get("disallowed") and not a.get("broken")}
