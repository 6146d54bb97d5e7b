"""sources add / import / export / list."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bawaba.commands.common import console, opened_store, print_json, settings
from bawaba.errors import ConfigError
from bawaba.models import Feed, Source
from bawaba.pipeline.sources import SourceSpec
from bawaba.store.base import Store

sources_app = typer.Typer(help="Manage news sources and their feeds.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources")


def save_spec(store: Store, spec: SourceSpec, poll_s: int) -> tuple[Source, list[Feed]]:
    source = store.add_source(spec.source)
    feeds = [
        store.add_feed(Feed(source_id=int(source.id or 0), url=f.url, kind=f.kind, title=f.title, poll_interval_s=poll_s))
        for f in spec.feeds
    ]
    return source, feeds


@sources_app.command("add")
def add_cmd(
    url: Annotated[str, typer.Argument(help="Homepage of the news site.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the site's own).")] = None,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Allow loopback/private addresses.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Discover a site's RSS/Atom feeds and sitemaps and add it."""
    from dataclasses import replace

    from bawaba.pipeline.discover import discover_source
    from bawaba.pipeline.fetch import Fetcher, FetchPolicy

    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{url!r} is not an http(s) URL")
    cfg = settings()
    cfg = cfg.with_(allow_private_addresses=allow_private or cfg.allow_private_addresses, host_delay_s=0.0)

    async def run() -> SourceSpec:
        async with Fetcher(FetchPolicy.from_settings(cfg)) as fetcher:
            return await discover_source(fetcher, url)

    spec = asyncio.run(run())
    if name:
        spec = SourceSpec(source=replace(spec.source, name=name), feeds=spec.feeds)
    with opened_store() as store:
        source, feeds = save_spec(store, spec, cfg.default_poll_s)
    if as_json:
        print_json({"source": source.slug, "name": source.name, "feeds": [{"url": f.url, "kind": f.kind.value} for f in feeds]})
        return
    console.print(f"added [bold]{source.name}[/bold] ({source.slug}) with {len(feeds)} feed(s):")
    for f in feeds:
        console.print(f"  {f.kind.value:<13} {f.url}")


@sources_app.command("import")
def import_cmd(file: Annotated[Path, typer.Argument(help="OPML or YAML file of sources.")]) -> None:
    """Add every source (and its feeds) listed in an OPML or YAML file."""
    from bawaba.pipeline.sources import load_sources_file

    if not file.is_file():
        raise ConfigError(f"no such file: {file}")
    specs = load_sources_file(file)
    cfg = settings()
    with opened_store() as store:
        n_feeds = sum(len(save_spec(store, s, cfg.default_poll_s)[1]) for s in specs)
    console.print(f"imported {len(specs)} source(s) with {n_feeds} feed(s)")


@sources_app.command("export")
def export_cmd(
    opml: Annotated[bool, typer.Option("--opml", help="Write OPML 2.0 (the only format for now).")] = True,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Export sources and feeds as OPML."""
    from bawaba.pipeline.sources import to_opml

    with opened_store() as store:
        feeds = store.list_feeds()
        pairs = [(s, [f for f in feeds if f.source_id == s.id]) for s in store.list_sources()]
    text = to_opml(pairs, title=settings().site_name)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@sources_app.command("list")
def list_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Sources with their health: last fetch, last success, error streak, articles in 24 h, next poll."""
    with opened_store() as store:
        health = store.source_health(datetime.now(UTC))
    rows = [
        {
            "slug": h.source.slug,
            "name": h.source.name,
            "feeds": h.feeds,
            "last_fetch_at": _iso(h.last_fetch_at),
            "last_success_at": _iso(h.last_success_at),
            "error_streak": h.error_streak,
            "last_error": h.last_error,
            "articles_24h": h.articles_24h,
            "articles_total": h.articles_total,
            "next_poll_at": _iso(h.next_poll_at),
        }
        for h in health
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title="sources")
    for col in ("source", "feeds", "last fetch", "last success", "errors", "24 h", "total", "next poll"):
        table.add_column(col)
    for r in rows:
        streak = str(r["error_streak"])
        table.add_row(
            f"{r['name']} ({r['slug']})", str(r["feeds"]), _short(r["last_fetch_at"]), _short(r["last_success_at"]),
            f"[red]{streak}[/red]" if r["error_streak"] else streak, str(r["articles_24h"]), str(r["articles_total"]),
            _short(r["next_poll_at"]),
        )
    console.print(table)


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _short(iso: object) -> str:
    return str(iso)[:16].replace("T", " ") if iso else "—"
