"""crawl: one pass over due feeds, or the scheduler loop with --forever."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bawaba.commands.common import console, die_with_parent, err_console, opened_store, print_json, settings
from bawaba.config import Settings
from bawaba.store.base import Store

if TYPE_CHECKING:
    from bawaba.pipeline.enrich import Enricher
    from bawaba.pipeline.run import CrawlReport


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl_cmd)


def crawl_cmd(
    forever: Annotated[bool, typer.Option("--forever", help="Keep polling feeds as they fall due.")] = False,
    all_feeds: Annotated[bool, typer.Option("--all", help="Poll every feed now, due or not.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow loopback/private addresses (local test networks).")
    ] = False,
    host_delay: Annotated[float | None, typer.Option(help="Seconds between requests to one host.")] = None,
) -> None:
    """Fetch due feeds and store their new articles, with progress and a per-source summary."""
    cfg = settings().with_(allow_private_addresses=allow_private or settings().allow_private_addresses)
    if host_delay is not None:
        cfg = cfg.with_(host_delay_s=host_delay)
    with opened_store(cfg.database_url) as store:
        if forever:
            asyncio.run(crawl_forever(store, cfg, quiet=as_json))
            return
        report = asyncio.run(crawl_pass(store, cfg, all_feeds=all_feeds, quiet=as_json))
    if as_json:
        print_json(report.as_dict())
    else:
        print_report(report)


async def crawl_pass(
    store: Store, cfg: Settings, *, all_feeds: bool = False, quiet: bool = False, enrich: Enricher | None = None
) -> CrawlReport:
    from bawaba.pipeline.enrich import build_enricher
    from bawaba.pipeline.fetch import Fetcher, FetchPolicy
    from bawaba.pipeline.run import Coordinator

    with Progress(
        TextColumn("[bold]{task.description:>9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
    ) as progress:
        tasks = {"feeds": progress.add_task("feeds", total=0), "articles": progress.add_task("articles", total=0)}

        def tick(what: str, n: int) -> None:
            task = tasks[what]
            if n > 0:
                progress.update(task, total=(progress.tasks[task].total or 0) + n)
            else:
                progress.advance(task)

        # the pool first: its workers fork before the fetcher starts connections or threads
        async with extraction_pool(cfg) as pool, Fetcher(FetchPolicy.from_settings(cfg)) as fetcher:
            coordinator = Coordinator(
                store,
                fetcher,
                min_poll_s=cfg.min_poll_s,
                max_poll_s=cfg.max_poll_s,
                max_feed_entries=cfg.max_feed_entries,
                enrich=enrich or build_enricher(store, cfg.story_window_h, cfg.classifier_model),
                progress=tick,
                executor=pool,
            )
            return await coordinator.crawl_once(all_feeds=all_feeds)


async def crawl_forever(store: Store, cfg: Settings, *, quiet: bool = False) -> None:
    """Poll feeds as they fall due until SIGINT/SIGTERM; a pass in progress finishes its article."""
    from bawaba.pipeline.enrich import build_enricher

    enrich = build_enricher(store, cfg.story_window_h, cfg.classifier_model)  # model, stories loaded once
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    while not stop.is_set():
        report = await crawl_pass(store, cfg, quiet=quiet, enrich=enrich)
        if not quiet and report.sources:
            print_report(report)
        now = datetime.now(UTC)
        upcoming = [f.next_poll_at for f in store.list_feeds() if f.enabled and f.next_poll_at]
        wait = min(((t - now).total_seconds() for t in upcoming), default=60.0)
        wait = max(1.0, min(wait, 60.0))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)


@contextlib.asynccontextmanager
async def extraction_pool(cfg: Settings) -> AsyncIterator[Executor | None]:
    """Worker processes for extraction (CPU-bound) when there is more than one core.

    Workers are forked (where the platform allows) from this process, which has already imported
    the extractor and its models, so they start in milliseconds instead of re-importing
    trafilatura; every worker is started before the caller opens sockets or threads of its own.
    """
    workers = cfg.extract_workers if cfg.extract_workers >= 0 else (os.cpu_count() or 1)
    if workers <= 1:
        yield None
        return
    import bawaba.pipeline.extract  # noqa: F401  (loaded once here, inherited by forked workers)

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "forkserver"
    context = multiprocessing.get_context(method)
    if method == "fork":  # forked workers end with this process if it crashes
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die_with_parent,
                                   initargs=(os.getpid(),))
    else:  # a forkserver's children have another parent
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        # start every worker now (a submit starts at most one), while feeds are still to be fetched
        warm = [pool.submit(os.getpid) for _ in range(workers)]
        await asyncio.gather(*(asyncio.wrap_future(f) for f in warm))
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def print_report(report: CrawlReport) -> None:
    table = Table(title="crawl summary")
    for col in ("source", "feeds", "unchanged", "failed feeds", "new", "updated", "failed", "robots", "requests"):
        table.add_column(col, justify="right" if col != "source" else "left")
    for slug, r in sorted(report.sources.items()):
        table.add_row(r.name or slug, str(r.feeds), str(r.feeds_unchanged), str(r.feeds_failed), str(r.new),
                      str(r.updated), str(r.failed), str(r.skipped_robots), str(r.requests))
    t = report.total
    table.add_row("[bold]total", str(t("feeds")), str(t("feeds_unchanged")), str(t("feeds_failed")),
                  f"[bold]{t('new')}", str(t("updated")), str(t("failed")), str(t("skipped_robots")),
                  str(t("requests")))
    console.print(table)
