"""``bawaba recategorize`` reapplies mapping, model and region to stored articles."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bawaba.cli import app
from bawaba.commands import classify as classify_commands
from bawaba.models import Article, Source
from bawaba.store import SqlStore, open_store

from .test_classifier import SNIPPETS


def recategorized(url: str) -> SqlStore:
    """Run ``bawaba recategorize`` on the store at ``url``; the store reopened after it."""
    result = CliRunner().invoke(app, ["recategorize", "--db", url])
    assert result.exit_code == 0, result.output
    return open_store(url)


@pytest.mark.parametrize("chunk", [1000, 2])
def test_recategorize_updates_store(sqlite_url: str, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every article gets what ingest would give it now, whether it shares a scoring chunk with
    the others or the store spans many chunks (written back between the reads)."""
    monkeypatch.setattr(classify_commands, "RECATEGORIZE_CHUNK", chunk)
    store = open_store(sqlite_url)
    try:
        source = store.add_source(
            Source(slug="akhbar", name="أخبار", homepage="http://127.0.0.1/", section_map={"ملاعب": "sports"})
        )
        assert source.id is not None
        ids = {}
        for i, (label, (title, text)) in enumerate(SNIPPETS.items()):
            article = Article(url=f"http://127.0.0.1/a/{i}", canonical_url=f"http://127.0.0.1/a/{i}",
                              source_id=source.id, title=title, text=text, category="misc")
            ids[label] = store.upsert_article(article).id
        pitch = Article(url="http://127.0.0.1/b/1", canonical_url="http://127.0.0.1/b/1", source_id=source.id,
                        title="خبر من القاهرة", text=SNIPPETS["economy"][1], section="ملاعب")
        ids["override"] = store.upsert_article(pitch).id
    finally:
        store.close()
    store = recategorized(sqlite_url)
    try:
        for label in SNIPPETS:
            stored = store.get_article(ids[label])
            assert stored.category == label
            assert stored.category_confidence is not None and stored.category_confidence > 0.5
        overridden = store.get_article(ids["override"])
        assert (overridden.category, overridden.category_confidence) == ("sports", 1.0)
        assert overridden.region == "egypt"
    finally:
        store.close()


#: names no place: ``detect_region`` finds nothing in it
PLACELESS = ("تطبيق جديد لتنظيم الوقت", "أطلقت شركة ناشئة تطبيقا جديدا للهواتف الذكية يساعد المستخدمين على تنظيم "
             "وقتهم وتذكيرهم بمواعيدهم اليومية، ويعمل دون اتصال بالشبكة.")


def test_recategorize_keeps_a_region_where_no_place_is_named(sqlite_url: str) -> None:
    """Ingest gives such an article the fallback region; recategorize must not take it away."""
    from bawaba.pipeline.region import detect_region

    assert detect_region(*PLACELESS) is None
    store = open_store(sqlite_url)
    try:
        source = store.add_source(Source(slug="placeless", name="مكان", homepage="http://127.0.0.1/"))
        assert source.id is not None
        ids = {}
        for section, region in (("شؤون دولية", "world"), (None, "egypt")):
            n = len(ids)
            article = Article(url=f"http://127.0.0.1/p/{n}", canonical_url=f"http://127.0.0.1/p/{n}",
                              source_id=source.id, title=PLACELESS[0], text=PLACELESS[1], section=section,
                              category="misc", region="arab")
            ids[region] = store.upsert_article(article).id
    finally:
        store.close()
    store = recategorized(sqlite_url)
    try:
        assert {region: store.get_article(i).region for region, i in ids.items()} == {"world": "world",
                                                                                      "egypt": "egypt"}
    finally:
        store.close()
