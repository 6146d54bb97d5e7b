"""demo-sites: serve the offline demo news network on loopback until Ctrl-C."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bawaba.commands.common import console


def register(app: typer.Typer) -> None:
    app.command("demo-sites")(demo_sites_cmd)


def demo_sites_cmd(
    port: Annotated[
        int, typer.Option("--port", help="First port; site i listens on PORT+i (0 picks free ports).")
    ] = 8101,
    host: Annotated[str, typer.Option("--host", help="Loopback address to listen on.")] = "127.0.0.1",
    manifest: Annotated[
        Path | None, typer.Option("--manifest", help="Write the gold manifest (JSON) to this file.")
    ] = None,
    seconds: Annotated[
        float, typer.Option("--seconds", help="Stop after this many seconds (0: serve until Ctrl-C).")
    ] = 0.0,
) -> None:
    """Serve fictional Arabic news sites (feeds, sitemaps, robots, misbehaviours) for crawling tests."""
    from bawaba.demo import start_network

    with start_network(host=host, base_port=port) as network:
        data = network.manifest()
        if manifest is not None:
            manifest.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
        table = Table(title="bawaba demo news network")
        table.add_column("site")
        table.add_column("kind")
        table.add_column("home", overflow="fold")
        table.add_column("feeds / sitemaps", overflow="fold")
        table.add_column("articles", justify="right")
        counts: dict[str, int] = {}
        for article in data["articles"]:
            counts[article["site"]] = counts.get(article["site"], 0) + 1
        for site in data["sites"]:
            table.add_row(
                f"{site['slug']}\n{site['name']}",
                site["kind"],
                site["base_url"] + "/",
                "\n".join(site["feeds"] + site["sitemaps"]) or "-",
                str(counts.get(site["slug"], 0)),
            )
        console.print(table)
        if manifest is not None:
            console.print(f"manifest written to {manifest}")
        console.print("serving; press Ctrl-C to stop")
        try:
            threading.Event().wait(seconds or None)
        except KeyboardInterrupt:
            console.print("stopping")
