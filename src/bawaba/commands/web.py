"""``bawaba serve``: the portal, feeds and JSON API with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
from fastapi import FastAPI

from bawaba.commands.common import console, opened_store, settings


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)


def serve_app(app: FastAPI, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run ``app`` in the foreground until interrupted (used by ``serve`` and ``demo``)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, proxy_headers=True)


def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.", min=1, max=65535)] = 8000,
    db: Annotated[str | None, typer.Option("--db", help="Store URL (default: BAWABA_DATABASE_URL).")] = None,
) -> None:
    """Serve the portal (RTL pages, RSS/Atom feeds, sitemaps, JSON API at /api/v1, docs at /api/docs)."""
    from bawaba.web.app import create_app

    current = settings()
    with opened_store(db or current.database_url) as store:
        console.print(f"serving {current.site_name} on http://{host}:{port}/ (API docs: /api/docs)")
        serve_app(create_app(store, current), host, port)
