"""Store fixtures: an opened store per engine, invented Arabic articles, a statement counter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bawaba.models import Article, Image, Source
from bawaba.store import SqlStore, open_store

T0 = datetime(2024, 3, 10, 8, 0, tzinfo=UTC)

TITLES = (
    "الحكومة تعلن خطة لتطوير شبكة النقل العام في العاصمة",
    "ارتفاع أسعار الذهب في الأسواق المحلية مع نهاية الأسبوع",
    "المنتخب الوطني يستعد لمواجهة ودية قبل انطلاق التصفيات",
    "افتتاح معرض للكتاب بمشاركة أكثر من مئتي دار نشر عربية",
    "دراسة جديدة تحذر من آثار موجات الحر على المحاصيل الزراعية",
)
BODY = (
    "قال متحدث رسمي باسم الوزارة إن المرحلة الأولى من المشروع ستبدأ خلال الأشهر المقبلة، "
    "مشيراً إلى أن الأعمال تشمل تحديث المحطات وزيادة عدد الحافلات. "
    "وأضاف أن التمويل سيأتي من الموازنة العامة وبمساهمة من القطاع الخاص."
)


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def source(store: SqlStore) -> Source:
    return store.add_source(Source(slug="al-yawm", name="صحيفة اليوم", homepage="http://127.0.0.1/al-yawm"))


@pytest.fixture
def other_source(store: SqlStore) -> Source:
    return store.add_source(Source(slug="al-masaa", name="المساء", homepage="http://127.0.0.1/al-masaa"))


def make_article(source_id: int, n: int, **overrides: Any) -> Article:
    """The n-th invented article; published an hour apart unless overridden."""
    values: dict[str, Any] = {
        "url": f"http://127.0.0.1/news/{n}?utm_source=feed",
        "canonical_url": f"http://127.0.0.1/news/{n}",
        "source_id": source_id,
        "title": f"{TITLES[n % len(TITLES)]} ({n})",
        "text": BODY,
        "html": f"<p>{BODY}</p>",
        "published_at": T0 + timedelta(hours=n),
        "first_seen": T0 + timedelta(hours=n, minutes=5),
        "images": (
            Image(src=f"http://127.0.0.1/img/{n}.jpg", caption="صورة أرشيفية", width=800, height=450),
        ),
        "tags": ("نقل", "اقتصاد"),
        "content_hash": f"hash-{n}",
    }
    values.update(overrides)
    return Article(**values)


@dataclass
class StatementLog:
    statements: list[str] = field(default_factory=list)

    @property
    def queries(self) -> list[str]:
        """Data statements only (not BEGIN/PRAGMA/savepoints the drivers add)."""
        verbs = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")
        return [s for s in self.statements if s.lstrip().upper().startswith(verbs)]


@pytest.fixture
def count_statements(store: SqlStore) -> Callable[[], Any]:
    """``with count_statements() as log:`` records every statement run through ``store.engine``."""

    @contextmanager
    def counting() -> Iterator[StatementLog]:
        log = StatementLog()

        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            log.statements.append(statement)

        event.listen(store.engine, "before_cursor_execute", before)
        try:
            yield log
        finally:
            event.remove(store.engine, "before_cursor_execute", before)

    return counting
