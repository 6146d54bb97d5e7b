"""``bawaba demo``: the newcomer's first minute — demo network, crawl, portal, in one command."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Annotated

import typer

from bawaba.commands.common import console, err_console, opened_store, print_json, settings


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)


def demo_cmd(
    port: Annotated[int, typer.Option(help="Port of the portal.", min=1, max=65535)] = 8000,
    sites_port: Annotated[int, typer.Option(help="First port of the demo news sites (one port per site).")] = 8101,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the portal after the crawl.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the crawl summary as JSON.")] = False,
) -> None:
    """Start the offline demo news network, crawl it into the store, then serve the portal."""
    from bawaba.commands.crawl import crawl_pass, print_report
    from bawaba.commands.sources import save_spec
    from bawaba.demo import start_network
    from bawaba.pipeline.discover import discover_source
    from bawaba.pipeline.fetch import Fetcher, FetchPolicy
    from bawaba.pipeline.sources import SourceSpec

    # our own loopback network: private addresses allowed, no politeness delay needed
    cfg = settings().with_(allow_private_addresses=True, host_delay_s=0.0, site_url=f"http://127.0.0.1:{port}")
    with start_network(host="127.0.0.1", base_port=sites_port) as net, opened_store(cfg.database_url) as store:
        err_console.print(f"demo news network: {len(net.sites)} sites on 127.0.0.1:{sites_port}…")
        homepages = {s.homepage for s in store.list_sources()}

        async def add_sources() -> None:
            async with Fetcher(FetchPolicy.from_settings(cfg)) as fetcher:
                for site, url in zip(net.sites, net.source_urls(), strict=True):
                    if url not in homepages:
                        spec = await discover_source(fetcher, url)
                        # readable portal URLs (/source/nile) instead of a slug made from 127.0.0.1:port
                        spec = SourceSpec(source=replace(spec.source, slug=site["slug"]), feeds=spec.feeds)
                        save_spec(store, spec, cfg.default_poll_s)

        asyncio.run(add_sources())
        report = asyncio.run(crawl_pass(store, cfg, all_feeds=True, quiet=as_json))
        if as_json:
            print_json(report.as_dict())
        else:
            print_report(report)
        if not serve:
            return
        from bawaba.commands.web import serve_app
        from bawaba.web.app import create_app

        console.print(f"\n[bold green]portal:[/bold green] http://127.0.0.1:{port}/  (Ctrl-C stops everything)")
        serve_app(create_app(store, cfg), "127.0.0.1", port)
