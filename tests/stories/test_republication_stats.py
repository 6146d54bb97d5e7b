"""``stats()['republication']``: per-source copy share and the source copied most, on both engines."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bawaba.pipeline.stories import StoryTracker
from bawaba.store import open_store

sys.path.insert(0, str(Path(__file__).parent))
from corpus import GenArticle, generate
from test_stories import _ingest


def test_stats_lists_copy_share_per_source(store_url: str) -> None:
    store = open_store(store_url)
    try:
        assert store.stats(datetime.now(UTC))["republication"] == []
        key_of: dict[int, GenArticle] = {}
        _ingest(store, StoryTracker(store), generate(20, seed=3), key_of)
        rows = {r["source"]: r for r in store.stats(datetime.now(UTC))["republication"]}
        gold = {g.key: g for g in key_of.values()}
        for source in {g.source for g in key_of.values()}:
            mine = [g for g in key_of.values() if g.source == source]
            copied = Counter(gold[g.original].source for g in mine if g.original)
            row = rows[source]
            assert row["articles"] == len(mine)
            assert row["copies"] == sum(copied.values())
            assert row["share"] == round(row["copies"] / row["articles"], 4)
            top = min(copied.items(), key=lambda kv: (-kv[1], kv[0]))[0] if copied else None
            assert row["mostly_from"] == top
    finally:
        store.close()
