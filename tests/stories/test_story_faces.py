"""Story faces: /story/<id>, the article page's story and original links, /api/v1/stories."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bawaba.config import Settings
from bawaba.store import SqlStore, open_store
from bawaba.web.app import create_app

sys.path.insert(0, str(Path(__file__).parent))
from corpus import GenArticle, generate
from test_stories import _ingest


@pytest.fixture
def stored(sqlite_url: str) -> Iterator[tuple[SqlStore, dict[int, GenArticle]]]:
    store = open_store(sqlite_url)
    from bawaba.pipeline.stories import StoryTracker

    key_of: dict[int, GenArticle] = {}
    _ingest(store, StoryTracker(store), generate(10, seed=31, start=datetime.now(UTC) - timedelta(days=6)), key_of)
    yield store, key_of
    store.close()


def test_story_page_and_api(stored: tuple[SqlStore, dict[int, GenArticle]]) -> None:
    store, key_of = stored
    copy_id = next(i for i, g in key_of.items() if g.original)
    copy = store.get_article(copy_id)
    original = store.get_article(int(copy.duplicate_of or 0))
    assert key_of[int(original.id or 0)].key == key_of[copy_id].original
    client = TestClient(create_app(store, Settings(web_cache_s=0)))
    story_id = int(copy.story_id or 0)
    page = client.get(f"/story/{story_id}")
    assert page.status_code == 200
    assert original.title in page.text and "إعادة نشر" in page.text
    detail = client.get(f"/api/v1/stories/{story_id}").json()
    kinds = [a["duplicate_of"] is None for a in detail["articles"]]
    assert kinds == sorted(kinds, reverse=True)  # originals first
    assert {a["id"] for a in detail["articles"]} == {i for i in key_of if store.get_article(i).story_id == story_id}
    assert detail["article_count"] == len(detail["articles"])
    listed = client.get("/api/v1/stories", params={"limit": 100}).json()
    assert story_id in {s["id"] for s in listed}
    article_page = client.get(f"/article/{copy_id}").text
    assert "منقول عن" in article_page and f"/article/{original.id}" in article_page
    assert client.get("/story/999999").status_code == 404
    assert client.get("/api/v1/stories/999999").status_code == 404


def test_home_leads_with_multi_source_stories(stored: tuple[SqlStore, dict[int, GenArticle]]) -> None:
    store, _ = stored
    client = TestClient(create_app(store, Settings(web_cache_s=0)))
    multi = [s for s in store.list_stories(limit=100) if s.source_count > 1]
    assert multi
    home = client.get("/").text
    assert "أبرز القصص" in home and f"/story/{multi[0].id}" in home
