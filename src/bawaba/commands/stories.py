"""``bawaba stories rebuild``: recompute provenance and story clusters from the store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from bawaba.commands.common import console, opened_store, print_json, settings


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Story clusters and republication provenance.", no_args_is_help=True)
    group.command("rebuild")(rebuild_cmd)
    app.add_typer(group, name="stories")


def rebuild_cmd(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Forget every story and duplicate link, then replay all articles oldest first."""
    from bawaba.pipeline.stories import replay_all

    with opened_store() as store:
        done = replay_all(store, settings().story_window_h)
        figures = dict(store.stats(datetime.now(UTC)))
    summary = {"articles": done, "stories": figures.get("stories"), "duplicates": figures.get("duplicates")}
    if as_json:
        print_json(summary)
    else:
        console.print(f"rebuilt {done} articles: {summary['stories']} stories, {summary['duplicates']} copies")
