"""config, stats, import, export, extract."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bawaba.commands.common import console, err_console, opened_store, print_json, progress_bar, settings
from bawaba.config import Settings
from bawaba.errors import BawabaError, ConfigError
from bawaba.store.base import ArticleFilter


def register(app: typer.Typer) -> None:
    app.command("config")(config_cmd)
    app.command("stats")(stats_cmd)
    app.command("import")(import_cmd)
    app.command("export")(export_cmd)
    app.command("extract")(extract_cmd)


def config_cmd(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """List every setting with its environment variable, current value, default and help."""
    current = settings()
    rows = [
        {"name": n, "env": env, "value": getattr(current, n), "default": d, "help": h}
        for n, env, d, h in Settings.describe()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title="bawaba settings")
    for col in ("env", "value", "default", "help"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["env"], str(r["value"]), str(r["default"]), r["help"])
    console.print(table)


def stats_cmd(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Counts of articles, sources and fetch health."""
    with opened_store() as store:
        data = dict(store.stats(datetime.now(UTC)))
    if as_json:
        print_json(data)
        return
    table = Table(title="bawaba stats")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for k, v in data.items():
        if isinstance(v, dict | list):
            continue
        table.add_row(k, str(v))
    console.print(table)


def import_cmd(
    file: Annotated[Path, typer.Argument(help="JSONL file, one article per line ('-' for stdin).")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    """Import articles from JSONL (idempotent; bad lines are reported and skipped)."""
    from bawaba.archive import import_jsonl
    from bawaba.pipeline.enrich import build_enricher

    if str(file) != "-" and not file.is_file():
        raise ConfigError(f"no such file: {file}")
    stream = sys.stdin.buffer if str(file) == "-" else file.open("rb")
    total = None if str(file) == "-" else sum(1 for _ in file.open("rb"))
    with opened_store() as store, stream, progress_bar(as_json) as progress:
        task = progress.add_task("importing", total=total)
        cfg = settings()
        enrich = build_enricher(store, cfg.story_window_h, cfg.classifier_model)
        report = import_jsonl(store, stream, enrich=enrich, on_line=lambda: progress.advance(task))
    summary = {
        "lines": report.lines,
        "created": report.created,
        "updated": report.updated,
        "errors": [{"line": e.line_no, "error": str(e)} for e in report.errors],
    }
    if as_json:
        print_json(summary)
    else:
        for e in report.errors[:50]:
            err_console.print(f"[yellow]skipped[/yellow] {e}", highlight=False)
        if len(report.errors) > 50:
            err_console.print(f"… and {len(report.errors) - 50} more bad lines")
        table = Table(title="import")
        for col in ("lines", "created", "updated", "bad lines"):
            table.add_column(col, justify="right")
        table.add_row(str(report.lines), str(report.created), str(report.updated), str(len(report.errors)))
        console.print(table)
    if report.lines and report.errors and not (report.created or report.updated):
        raise typer.Exit(1)


def export_cmd(
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    since: Annotated[str | None, typer.Option(help="Only articles published (or first seen) since this ISO date.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default stdout).")] = None,
    category: Annotated[str | None, typer.Option(help="Only this category (slug, e.g. sports).")] = None,
    region: Annotated[str | None, typer.Option(help="Only this region: egypt, arab or world.")] = None,
) -> None:
    """Stream every article (with its id) as JSONL or CSV, in constant memory."""
    from bawaba.archive import export_rows, parse_datetime, write_csv, write_jsonl
    from bawaba.taxonomy import regions, slugs

    if fmt not in {"jsonl", "csv"}:
        raise ConfigError(f"--format must be jsonl or csv, not {fmt!r}")
    try:
        since_dt = parse_datetime(since, 0, "--since") if since else None
    except BawabaError:
        raise ConfigError(f"--since {since!r} is not an ISO 8601 date") from None
    if category is not None and category not in slugs():
        raise ConfigError(f"--category must be one of {', '.join(slugs())}, not {category!r}")
    if region is not None and region not in (names := [r.slug for r in regions()]):
        raise ConfigError(f"--region must be one of {', '.join(names)}, not {region!r}")
    writer = write_jsonl if fmt == "jsonl" else write_csv
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        with opened_store() as store:
            n = writer(export_rows(store, ArticleFilter(since=since_dt, category=category, region=region)), out)
    finally:
        if output:
            out.close()
    if output:
        err_console.print(f"exported {n} articles to {output}")


def extract_cmd(
    file: Annotated[Path, typer.Argument(help="A saved HTML page.")],
    url: Annotated[str, typer.Option(help="The URL the page was fetched from.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the extraction as JSON.")] = False,
) -> None:
    """Extract the article from a saved page."""
    from bawaba.archive import content_dict
    from bawaba.pipeline.extract import extract_article

    if not file.is_file():
        raise ConfigError(f"no such file: {file}")
    ex = extract_article(file.read_bytes(), url)
    data = content_dict(ex)
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{ex.title}[/bold]")
    console.print(f"[dim]{ex.canonical_url} · {data['published_at'] or '—'} · {ex.author or '—'}[/dim]")
    console.print(ex.text)
