"""The ``bawaba`` command line (Typer + Rich).

User errors (any ``BawabaError``) print one red line and exit 1, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from bawaba.errors import BawabaError

app = typer.Typer(
    name="bawaba",
    help="بوابة — an engine for Arabic news aggregation portals.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)

#: command modules under bawaba.commands, each with register(app)
COMMAND_MODULES = (
    "core",  # config, stats, import, export, extract
    "sources",  # sources add/import/export/list
    "crawl",  # crawl, crawl --forever
    "demo",  # demo-sites
    "web",  # serve
    "showcase",  # demo
    "search",  # search
    "classify",  # classify, recategorize
    "stories",  # stories rebuild
)


def _mount() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"bawaba.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bawaba.commands.{name}":
                continue  # that area is not built yet
            raise
        module.register(app)


_mount()


def main() -> None:
    try:
        app()
    except BawabaError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
