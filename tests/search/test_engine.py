"""One contract for search on SQLite and PostgreSQL: same hits, same order for the same queries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bawaba.models import Article, Source
from bawaba.search import related, search_articles
from bawaba.store import SqlStore, fulltext, open_store

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)

DOCS = [
    # (key, source, category, days ago, title, text)
    (
        "school",
        "nile",
        "culture",
        2,
        "افتتاح مدرسة جديدة للموسيقى في القاهرة",
        "افتتحت وزارة الثقافة اليوم مدرسةً جديدة لتعليم الموسيقى العربية في حي شبرا بالقاهرة، وتستقبل المدرسة مئة طالب.",
    ),
    (
        "budget",
        "nile",
        "economy",
        5,
        "البرلمان يناقش الموازنة العامة للعام المقبل",
        "بدأ مجلس النواب مناقشة مشروع الموازنة العامة وسط مطالب بزيادة الإنفاق على التعليم والصحة في القاهرة.",
    ),
    (
        "match",
        "delta",
        "sports",
        1,
        "الأهلي يفوز على الزمالك بهدفين في الدوري",
        "حقق الأهلي فوزاً ثميناً على غريمه الزمالك بهدفين نظيفين في مباراة القمة ضمن الدوري الممتاز.",
    ),
    (
        "match2",
        "delta",
        "sports",
        40,
        "الزمالك يتعادل مع الإسماعيلي في الدوري",
        "تعادل الزمالك مع الإسماعيلي سلبياً في مباراة باهتة ضمن الجولة العاشرة من الدوري.",
    ),
    (
        "un",
        "delta",
        "politics",
        3,
        "الأمم المتحدة تدعو إلى وقف إطلاق النار",
        "دعت الأمم المتحدة أطراف النزاع إلى وقف فوري لإطلاق النار وفتح ممرات آمنة لإيصال المساعدات.",
    ),
    (
        "council",
        "nile",
        "politics",
        8,
        "مجلس الأمن يعقد جلسة طارئة بشأن المساعدات",
        "عقد مجلس الأمن الدولي جلسة طارئة لبحث إيصال المساعدات، وأكد مندوب الأمم المتحدة أهمية وقف القتال.",
    ),
    (
        "tech",
        "nile",
        "tech",
        4,
        "شركة ناشئة مصرية تطلق تطبيقا للنقل الذكي",
        "أطلقت شركة ناشئة في القاهرة تطبيقاً جديداً للنقل الذكي يعتمد على الذكاء الاصطناعي لتنظيم المرور عام ٢٠٢٤.",
    ),
    (
        "school-copy",
        "delta",
        "culture",
        2,
        "افتتاح مدرسة جديدة للموسيقى في القاهرة",
        "افتتحت وزارة الثقافة اليوم مدرسةً جديدة لتعليم الموسيقى العربية في حي شبرا بالقاهرة، وتستقبل المدرسة مئة طالب.",
    ),
]


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    s = open_store(store_url)
    ids: dict[str, int] = {}
    srcs = {
        slug: s.add_source(Source(slug=slug, name=slug, homepage=f"http://127.0.0.1/{slug}/"))
        for slug in ("nile", "delta")
    }
    for key, src, cat, days, title, body in DOCS:
        url = f"http://127.0.0.1/{src}/{key}"
        art = Article(
            url=url,
            canonical_url=url,
            source_id=srcs[src].id or 0,
            title=title,
            text=body,
            published_at=NOW - timedelta(days=days),
            category=cat,
            content_hash=f"h-{key}",
        )
        ids[key] = s.upsert_article(art).id
    s.update_article_fields(ids["school-copy"], duplicate_of=ids["school"])
    s.ids = ids  # type: ignore[attr-defined]
    yield s
    s.close()


def keys(store: SqlStore, query: str, **kw: object) -> list[str]:
    by_id = {v: k for k, v in store.ids.items()}  # type: ignore[attr-defined]
    return [by_id[h.article.id or 0] for h in search_articles(store, query, now=NOW, **kw).hits]  # type: ignore[arg-type]


CASES = [
    ("بالمدرسة", ["school"]),
    ("مدرسه الموسيقي", ["school"]),
    ("القاهرة", ["school", "tech", "budget"]),
    ("الدوري الزمالك", ["match", "match2"]),
    ('"الأمم المتحدة"', ["un", "council"]),
    ('"المتحدة الأمم"', []),
    ("الزمالك -الأهلي", ["match2"]),
    ("موازنة OR تطبيق", ["budget", "tech"]),
    ("القاهرة source:nile category:culture", ["school"]),
    ("الدوري after:2024-05-01", ["match"]),
    ("الدوري before:2024-05-01", ["match2"]),
    ("٢٠٢٤ ذكاء", ["tech"]),
    ('NEAR(غزة* "', []),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_same_results_on_both_engines(store: SqlStore, query: str, expected: list[str]) -> None:
    got = keys(store, query)
    assert got[: len(expected)] == expected if len(expected) <= 1 else sorted(got) == sorted(expected)
    assert "school-copy" not in got


def test_title_match_outranks_body_match(store: SqlStore) -> None:
    # المساعدات is in council's title and in un's body only
    assert keys(store, "المساعدات")[0] == "council"
    assert keys(store, "مجلس")[0] == "council"


def test_sort_by_date_and_paging(store: SqlStore) -> None:
    assert keys(store, "القاهرة", sort="date") == ["school", "tech", "budget"]
    res = search_articles(store, "القاهرة", limit=2, now=NOW)
    assert res.total == 3 and len(res.hits) == 2 and res.next_offset == 2
    rest = search_articles(store, "القاهرة", limit=2, offset=2, now=NOW)
    assert len(rest.hits) == 1 and rest.next_offset is None
    assert {h.article.id for h in res.hits}.isdisjoint({h.article.id for h in rest.hits})


def test_filters_alone_list_by_date_and_empty_query_is_empty(store: SqlStore) -> None:
    assert keys(store, "category:sports") == ["match", "match2"]
    assert search_articles(store, "   ").total == 0


def test_snippet_and_title_marked(store: SqlStore) -> None:
    hit = search_articles(store, "مدرسة", now=NOW).hits[0]
    assert "<mark>مدرسةً</mark>" in hit.snippet and "<mark>مدرسة</mark>" in hit.title_html


def test_update_reindexes_in_the_same_transaction(store: SqlStore) -> None:
    art = store.get_article(store.ids["tech"])  # type: ignore[attr-defined]
    store.upsert_article(
        replace(art, title="شركة ناشئة تطلق منصة للطاقة الشمسية", text="منصة للطاقة الشمسية.")
    )
    assert keys(store, "الشمسية") == ["tech"]
    assert keys(store, "المرور") == []
    with store.engine.connect() as conn:
        assert "شمس" in " ".join(fulltext.iter_index_terms(conn, store.ids["tech"]))  # type: ignore[attr-defined]


def test_migration_backfills_existing_articles(store: SqlStore) -> None:
    table = fulltext.SQLITE_TABLE if store.dialect == "sqlite" else fulltext.PG_TABLE
    with store.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {table}"))
    assert keys(store, "الزمالك") == []
    with store.engine.begin() as conn:
        assert fulltext.reindex_all(conn) == len(DOCS)
    assert sorted(keys(store, "الزمالك")) == ["match", "match2"]


def test_related_prefers_same_topic_and_skips_copies(store: SqlStore) -> None:
    school = store.get_article(store.ids["school"])  # type: ignore[attr-defined]
    got = [a.id for a in related(store, school, n=3, now=NOW)]
    ids = store.ids  # type: ignore[attr-defined]
    assert ids["school"] not in got and ids["school-copy"] not in got
    assert got and got[0] in (ids["tech"], ids["budget"])
    match = store.get_article(ids["match"])
    assert [a.id for a in related(store, match, n=1, now=NOW)] == [ids["match2"]]


def test_cli_json(store: SqlStore, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from bawaba.cli import app

    monkeypatch.setenv("BAWABA_DATABASE_URL", store_url)
    result = CliRunner().invoke(app, ["search", "الزمالك", "--json", "--limit", "1", "--sort", "date"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 2 and len(data["results"]) == 1
    first = data["results"][0]
    assert set(first) == {"id", "url", "title", "source", "published_at", "score", "snippet"}
    assert first["source"] == "delta" and "<mark>" in first["snippet"]
    text_out = CliRunner().invoke(app, ["search", "الزمالك"])
    assert text_out.exit_code == 0 and "الزمالك" in text_out.output


def test_relevance_falls_back_to_or_after_strict_hits(store: SqlStore) -> None:
    # no article holds both words: strict AND finds nothing, the OR ranks each holder
    found = keys(store, "الزمالك الموازنة")
    assert set(found) == {"match", "match2", "budget"}
    # the strict hit comes first, OR-only hits after it
    assert keys(store, "الزمالك الإسماعيلي الموازنة")[0] == "match2"
    # date order stays strict
    assert keys(store, "الزمالك الموازنة", sort="date") == []


def test_totals_are_capped_and_labelled(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fulltext, "TOTAL_CAP", 1)
    monkeypatch.setattr(fulltext, "POOL_MIN", 1)
    monkeypatch.setattr(fulltext, "POOL_MAX", 1)
    results = search_articles(store, "القاهرة", limit=1, now=NOW)
    assert (results.total, results.exact_total, results.total_label) == (1, False, "1+")
    assert results.next_offset == 1
    exact = search_articles(store, "الموسيقى", now=NOW)
    assert (exact.total, exact.total_label, exact.next_offset) == (1, "1", None)


def test_related_puts_the_story_first(store: SqlStore) -> None:
    """An article of the same story comes first even when its words are far from the article's."""
    from bawaba.models import Story

    ids = store.ids  # type: ignore[attr-defined]
    story = store.save_story(
        Story(id=0, title="الأمم المتحدة", first_seen=NOW, last_seen=NOW, source_count=2, article_count=2)
    )
    # the council article shares few words with the UN one; the tech article shares none
    for key in ("un", "tech"):
        store.update_article_fields(ids[key], story_id=story.id)
    un = store.get_article(ids["un"])
    got = [a.id for a in related(store, un, n=3, now=NOW)]
    assert got[0] == ids["tech"] and ids["council"] in got and ids["un"] not in got
    # without the story the tech article is not close at all
    store.update_article_fields(ids["tech"], story_id=None)
    assert ids["tech"] not in [a.id for a in related(store, store.get_article(ids["un"]), n=1, now=NOW)]
