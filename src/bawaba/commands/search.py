"""``bawaba search QUERY``: the portal's search from the terminal (text table or JSON)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bawaba.config import Settings


class SortOrder(StrEnum):
    relevance = "relevance"
    date = "date"


def register(app: typer.Typer) -> None:
    app.command("search")(search_cmd)


def search_cmd(
    query: Annotated[
        str,
        typer.Argument(help='Words (AND), "phrases", -exclusions, OR, source:, category:, after:, before:.'),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print {total, results} as JSON.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="Most results to show.")] = 10,
    sort: Annotated[
        SortOrder, typer.Option("--sort", help="relevance (BM25, title boost, recency) or date.")
    ] = SortOrder.relevance,
) -> None:
    """Search the stored articles with Arabic-aware matching."""
    from bawaba.search import search_articles
    from bawaba.store import open_store

    store = open_store(Settings.from_env().database_url)
    try:
        results = search_articles(store, query, limit=limit, sort=sort.value)
        slugs = {s.id: s.slug for s in store.list_sources()}
    finally:
        store.close()
    rows: list[dict[str, Any]] = [
        {
            "id": hit.article.id,
            "url": hit.article.url,
            "title": hit.article.title,
            "source": slugs.get(hit.article.source_id),
            "published_at": hit.article.published_at.isoformat() if hit.article.published_at else None,
            "score": round(hit.score, 6),
            "snippet": hit.snippet,
        }
        for hit in results.hits
    ]
    if as_json:
        sys.stdout.write(json.dumps({"total": results.total, "results": rows}, ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        return
    console = Console()
    table = Table(title=f"{results.total} results", show_lines=False)
    for name in ("id", "published_at", "source", "title"):
        table.add_column(name)
    for row in rows:
        table.add_row(str(row["id"]), (row["published_at"] or "")[:10], str(row["source"]), row["title"])
    console.print(table)
