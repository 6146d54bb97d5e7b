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
        gulf = store.add_source(Source(slug="gulf", name="الخليج", homepage="http://127.0.0.1/g", home_region="arab"))
        assert source.id is not None and gulf.id is not None
        ids = {}
        for owner, section, region in ((source.id, "شؤون دولية", "world"), (source.id, None, "egypt"),
                                       (gulf.id, None, "arab")):
            n = len(ids)
            article = Article(url=f"http://127.0.0.1/p/{n}", canonical_url=f"http://127.0.0.1/p/{n}",
                              source_id=owner, title=PLACELESS[0], text=PLACELESS[1], section=section,
                              category="misc", region="world" if region == "arab" else "arab")
            ids[region] = store.upsert_article(article).id
    finally:
        store.close()
    store = recategorized(sqlite_url)
    try:
        assert {region: store.get_article(i).region for region, i in ids.items()} == {"world": "world",
                                                                                      "egypt": "egypt",
                                                                                      "arab": "arab"}
    finally:
        store.close()


def test_ingest_files_placeless_news_under_its_source_home(sqlite_url: str) -> None:
    """The enricher (ingest) settles as recategorize does: a source's ``home_region`` for an
    article naming no place, the portal's home (egypt) for a source without one."""
    from bawaba.pipeline.enrich import build_enricher

    store = open_store(sqlite_url)
    try:
        home = store.add_source(Source(slug="home", name="محلي", homepage="http://127.0.0.1/"))
        gulf = store.add_source(Source(slug="gulf", name="الخليج", homepage="http://127.0.0.1/g", home_region="arab"))
        enrich = build_enricher(store)
        regions = []
        for n, owner in enumerate((home, gulf)):
            assert owner.id is not None
            article = Article(url=f"http://127.0.0.1/e/{n}", canonical_url=f"http://127.0.0.1/e/{n}",
                              source_id=owner.id, title=PLACELESS[0], text=PLACELESS[1])
            regions.append(enrich(article, owner).region)
        assert regions == ["egypt", "arab"]
    finally:
        store.close()
