"""What every command group shares: settings, the store, consoles, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

from bawaba.config import Settings
from bawaba.store.base import Store

console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    return Settings.from_env()


@contextmanager
def opened_store(url: str | None = None) -> Iterator[Store]:
    from bawaba.store import open_store

    store = open_store(url or settings().database_url)
    try:
        yield store
    finally:
        store.close()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")
