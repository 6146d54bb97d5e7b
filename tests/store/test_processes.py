"""Several processes opening and writing one store at once (crawler workers, the web server).

They all start on a fresh database, so the migration itself races too; SQLite relies on
``BEGIN IMMEDIATE`` plus the busy timeout, PostgreSQL on its advisory lock and ``ON CONFLICT``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from bawaba.store import open_store

WORKER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta
    from bawaba.models import Article, Source
    from bawaba.store import open_store

    url, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = open_store(url)
    source = store.add_source(Source(slug="mushtarak", name="مصدر مشترك", homepage="http://127.0.0.1/"))
    created = 0
    for n in range(first, last):
        created += store.upsert_article(Article(
            url=f"http://127.0.0.1/khabar/{n}", canonical_url=f"http://127.0.0.1/khabar/{n}",
            source_id=source.id, title=f"خبر عاجل رقم {n}", text="تفاصيل الخبر تتوالى.",
            published_at=datetime(2024, 5, 1, tzinfo=UTC) + timedelta(minutes=n),
        )).created
    store.close()
    print(created)
    """
)


def test_processes_share_one_store(store_url: str) -> None:
    ranges = [(0, 40), (20, 60), (10, 50), (30, 70)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, store_url, str(a), str(b)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for a, b in ranges
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    assert sum(int(out) for out, _ in outputs) == 70
    store = open_store(store_url)
    try:
        assert store.count_articles() == 70
        assert len(store.list_sources()) == 1
        assert store.known_urls(f"http://127.0.0.1/khabar/{n}" for n in range(70)) == {
            f"http://127.0.0.1/khabar/{n}" for n in range(70)
        }
    finally:
        store.close()
