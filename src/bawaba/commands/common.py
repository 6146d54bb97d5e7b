"""What every command group shares: settings, the store, consoles, JSON output."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

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


#: prctl option: the signal the kernel sends this process when its parent dies (linux/prctl.h)
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Worker pool initializer: end this worker when the process that started it dies (Linux).

    A crash of the parent (kill -9, the OOM killer) leaves a pool's workers blocked on their task
    queue for ever, each holding its copy of the model; the kernel's parent-death signal ends
    them instead. ``parent`` is the pid that started the pool: if it is gone already, by the time
    the signal is armed, the worker exits at once. Elsewhere (no prctl) it does nothing."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def progress_bar(quiet: bool) -> Progress:
    """The commands' progress bar on stderr (``quiet``: none, e.g. when stdout is JSON)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
        transient=False,
    )
