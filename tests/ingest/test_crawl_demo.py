"""End to end: the demo network crawled into a store matches its manifest."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from bawaba.commands.crawl import crawl_pass
from bawaba.store import open_store
from bawaba.store.base import Store

from .conftest import add_demo_sources, crawl_settings, expected_articles


def _tokens(text: str) -> list[str]:
    return text.split()


def token_f1(pred: str, gold: str) -> float:
    p, g = Counter(_tokens(pred)), Counter(_tokens(gold))
    common = sum((p & g).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def _all(store: Store) -> list[Any]:
    return list(store.iter_articles())


def test_crawl_stores_every_manifest_article_once(network: Any, tmp_path: Path) -> None:
    cfg = crawl_settings(f"sqlite:///{tmp_path / 'crawl.db'}")
    store = open_store(cfg.database_url)
    try:
        add_demo_sources(store, network, cfg)
        manifest = network.manifest()
        expected = expected_articles(manifest)
        report = asyncio.run(crawl_pass(store, cfg, quiet=True))
        assert report.total("new") == len(expected)

        stored = _all(store)
        urls = Counter(a.url for a in stored)
        assert max(urls.values()) == 1  # none twice
        assert set(urls) == set(expected)  # none lost, none extra
        disallowed = {a["url"] for a in manifest["articles"] if a.get("disallowed")}
        assert disallowed and not disallowed & set(urls)

        # the windows-1256 site comes out as correct Arabic, equal to the manifest
        cp_sites = {s["slug"] for s in manifest["sites"] if s.get("encoding", "").lower() in {"windows-1256", "cp1256"}}
        assert cp_sites
        by_url = {a.url: a for a in stored}
        cp_articles = [a for a in expected.values() if a["site"] in cp_sites]
        assert cp_articles
        for gold in cp_articles:
            got = by_url[gold["url"]]
            assert got.title == gold["title"]
            assert token_f1(got.text, gold["text"]) >= 0.97, gold["url"]

        # body F1 over the whole network
        scores = [token_f1(by_url[u].text, g["text"]) for u, g in expected.items()]
        assert sum(scores) / len(scores) >= 0.97

        # every stored article has a category and region
        assert all(a.category for a in stored)
        assert all(a.region in {"egypt", "arab", "world"} for a in stored)
        agree = sum(by_url[u].category == g["category"] for u, g in expected.items()) / len(expected)
        assert agree >= 0.95, f"categories agree with the manifest on {agree:.1%}"

        # second pass over every feed: nothing new, conditional requests only
        again = asyncio.run(crawl_pass(store, cfg, all_feeds=True, quiet=True))
        assert again.total("new") == 0
        assert again.total("requests") == again.total("conditional_requests") == again.total("feeds")
        assert again.total("feeds_unchanged") == again.total("feeds")
        assert len(_all(store)) == len(expected)
    finally:
        store.close()
