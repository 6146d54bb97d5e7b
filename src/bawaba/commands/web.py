"""``bawaba serve``: the portal, feeds and JSON API with uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from fastapi import FastAPI

from bawaba.commands.common import console, opened_store, settings


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)


def serve_app(app: FastAPI, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run ``app`` in the foreground until interrupted (used by ``serve`` and ``demo``)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, proxy_headers=True)


def app_from_env() -> FastAPI:
    """An app over ``BAWABA_DATABASE_URL``: the factory uvicorn's worker processes import
    (``uvicorn --factory bawaba.commands.web:app_from_env``), since a live app cannot be forked.

    Workers do not migrate (they would race each other); whoever starts them migrates first.
    """
    from bawaba.store import open_store
    from bawaba.web.app import create_app

    current = settings()
    return create_app(open_store(current.database_url, migrate=False), current)


def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.", min=1, max=65535)] = 8000,
    db: Annotated[str | None, typer.Option("--db", help="Store URL (default: BAWABA_DATABASE_URL).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (each opens the store).", min=1, max=64)] = 1,
) -> None:
    """Serve the portal (RTL pages, RSS/Atom feeds, sitemaps, JSON API at /api/v1, docs at /api/docs)."""
    import os

    from bawaba.web.app import create_app

    if "BAWABA_SITE_URL" not in os.environ:
        # links in feeds, sitemaps and canonical tags point where we actually serve
        os.environ["BAWABA_SITE_URL"] = f"http://{host}:{port}"
    current = settings()
    if workers > 1:
        import uvicorn

        if db:
            os.environ["BAWABA_DATABASE_URL"] = db
        with opened_store(db or current.database_url):
            pass  # migrate once, before the workers open the store without migrating
        console.print(f"serving {current.site_name} on http://{host}:{port}/ with {workers} workers")
        uvicorn.run(
            "bawaba.commands.web:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            proxy_headers=True,
        )
        return
    with opened_store(db or current.database_url) as store:
        console.print(f"serving {current.site_name} on http://{host}:{port}/ (API docs: /api/docs)")
        serve_app(create_app(store, current), host, port)
