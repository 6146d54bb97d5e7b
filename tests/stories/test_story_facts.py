"""The second story signal: rare numbers and phrases across the whole text, and the merge of
stories that one article shows to be the same event. Texts are invented."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from bawaba.models import Article, Source
from bawaba.pipeline.cluster import ClusterParams, fact_terms, phrase_terms
from bawaba.pipeline.stories import StoryTracker
from bawaba.pipeline.story_window import Decision, Repoint, StoryWindow
from bawaba.store import SqlStore, open_store
from bawaba.text.analyzer import analyze

T0 = datetime(2026, 4, 2, 9, tzinfo=UTC)

FLOOD = ("غمرت مياه الأمطار شوارع بلدة السنديان منذ الفجر، وتضرر نحو 340 منزلا في الأحياء المنخفضة.\n\n"
         "وقدرت البلدية كلفة الإصلاحات الأولية بنحو 2.75 مليون جنيه، وفتحت مدرستين لإيواء الأسر.")
STORM = ("أعلن محافظ الوادي الأخضر حالة الطوارئ في المراكز الشمالية بعد ليلة عاصفة.\n\n"
         "وتحدث مسؤولون عن ٣٤٠ منزلا متضررا، وعن اعتمادات عاجلة قدرها 2,75 مليون جنيه للإصلاحات.")
FAIR = ("افتتح معرض الكتاب السنوي في مدينة النسيم بمشاركة دور نشر من عدة بلدان.\n\n"
        "ويضم المعرض نحو 1250 عنوانا جديدا، وتستمر فعالياته أسبوعا كاملا.")
PORT = ("وصلت إلى ميناء الفنار أول شحنة من القمح المستورد هذا الموسم.\n\n"
        "وتبلغ الشحنة 1250 طنا، على أن تتبعها شحنات أخرى بقيمة 8.4 مليار جنيه.")
GRAIN = ("قالت هيئة الموانئ إن مخازن الحبوب الجديدة جاهزة لاستقبال الشحنات.\n\n"
         "وتأتي الخطوة بعد وصول 1250 طنا من القمح، ضمن عقود قيمتها 8.4 مليار جنيه.")

#: cosine alone never joins here: only the second signal can
FACTS_ONLY = ClusterParams(threshold=2.0, fact_threshold=0.0, phrase_threshold=2.0)


def test_numbers_are_normalised_and_common_ones_dropped() -> None:
    assert fact_terms("بلغت 2.75 مليون") == fact_terms("بلغت ٢٫٧٥ مليون") == fact_terms("بلغت 2,75 مليون")
    assert fact_terms("قيمتها 2.75 مليون جنيه") == fact_terms("قيمتها 2750 ألف جنيه")
    assert fact_terms("نحو 24,500 مستخدم") == fact_terms("نحو 24500 مستخدم") == {"24500"}
    assert fact_terms("وبلغ النمو 6.1% و٣٤٠ منزلا و1.4 مليار") == {"6.1", "340", "1.4e+09"}
    # small counts, days and years name nothing in particular
    assert fact_terms("خلال 3 أيام من عام 2026 في 12 قرية") == frozenset()
    assert fact_terms("دعم بقيمة 12 مليون") == {"1.2e+07"}


def test_phrases_are_bigrams_of_the_whole_text() -> None:
    terms = analyze("قال الوزير سامر الدباغ إن الخطة جاهزة")
    phrases = phrase_terms(terms)
    assert phrases == {f"{a} {b}" for a, b in pairwise(terms)}
    assert "سامر دباغ" in phrases  # a person's name, whatever its clitics


def _decide(window: StoryWindow, n: int, title: str, text: str, minutes: int = 0) -> Decision:
    when = T0 + timedelta(minutes=minutes)
    d = window.decide(f"https://site{n}.example/{n}", n, title, text, when, when)
    d.story_id = d.story_id or 100 + n
    return d


def test_shared_rare_numbers_join_versions_with_different_titles() -> None:
    window = StoryWindow(72, cluster=FACTS_ONLY)
    flood = _decide(window, 1, "أمطار غزيرة تغمر السنديان", FLOOD)
    window.admit(flood, 1)
    fair = _decide(window, 2, "معرض الكتاب يفتح أبوابه", FAIR, 10)
    window.admit(fair, 2)
    storm = _decide(window, 3, "الطوارئ في الوادي الأخضر", STORM, 20)
    assert storm.story_id == flood.story_id != fair.story_id
    # two shared numbers back the join; asking for three does not
    strict = StoryWindow(72, cluster=ClusterParams(threshold=2.0, fact_threshold=0.0, phrase_threshold=2.0,
                                                   min_facts=3))
    strict.admit(_decide(strict, 1, "أمطار غزيرة تغمر السنديان", FLOOD), 1)
    assert _decide(strict, 3, "الطوارئ في الوادي الأخضر", STORM, 20).story_id == 103


def test_a_number_in_many_live_articles_backs_nothing() -> None:
    window = StoryWindow(72, cluster=ClusterParams(threshold=2.0, fact_threshold=0.0, phrase_threshold=2.0,
                                                   max_fact_df=1))
    window.admit(_decide(window, 1, "معرض الكتاب يفتح أبوابه", FAIR), 1)
    window.admit(_decide(window, 2, "شحنة قمح في ميناء الفنار", PORT.replace("8.4 مليار", "نصف مليار"), 5), 2)
    # 1250 is in both live articles: too common to name the event
    assert _decide(window, 3, "مخازن الحبوب جاهزة", GRAIN.replace("8.4 مليار", "مليار"), 10).story_id == 103


def test_shared_rare_phrases_join_when_the_cosine_is_close() -> None:
    quote = ("وقال رئيس اللجنة المحلية حامد الرفاعي إن فرق الإنقاذ عملت طوال الليل على إخلاء الأسر من البيوت "
             "القديمة المطلة على مجرى السيل الجاف قرب الجسر الحجري")
    # each version has its own text around the shared quote, so neither copies the other
    own = [FLOOD.replace("340", "نحو ثلاثمئة").replace("2.75 مليون", "ملايين") + "\n\n" + FAIR.replace("1250", "ألف"),
           STORM.replace("٣٤٠", "مئات").replace("2,75 مليون", "ملايين") + "\n\n" + PORT.replace("1250", "ألف")
           .replace("8.4 مليار", "مليار")]
    params = ClusterParams(threshold=2.0, fact_threshold=2.0, phrase_threshold=0.0, min_phrases=16, phrase_sample=1)

    def pair(shared: str) -> tuple[Decision, Decision]:
        window = StoryWindow(72, cluster=params)
        first = _decide(window, 1, "ليلة صعبة في السنديان", own[0] + "\n\n" + shared)
        window.admit(first, 1)
        second = _decide(window, 2, "إخلاء أسر في الوادي الأخضر", own[1] + "\n\n" + shared, 15)
        assert not second.duplicate_of
        return first, second

    first, second = pair(quote)
    assert second.story_id == first.story_id
    first, second = pair(quote.split(" الأسر")[0])  # fewer than 16 shared bigrams
    assert second.story_id == 102


@pytest.mark.parametrize("merge", [True, False])
def test_an_article_that_bridges_two_stories_merges_them(merge: bool) -> None:
    params = ClusterParams(threshold=2.0, fact_threshold=0.0, phrase_threshold=2.0, merge=merge)
    window = StoryWindow(72, cluster=params)
    port = _decide(window, 1, "شحنة قمح في ميناء الفنار", PORT.replace("8.4 مليار", "مليار"))
    window.admit(port, 1)
    grain = _decide(window, 2, "مخازن الحبوب جاهزة", GRAIN.replace("1250 طنا", "الشحنة"), 10)
    assert grain.story_id == 102  # nothing shared with the port article yet
    window.admit(grain, 2)
    both = _decide(window, 3, "القمح يصل والمخازن جاهزة", "وصل 1250 طنا بقيمة 8.4 مليار جنيه.", 20)
    changed = window.admit(both, 3)
    stories = {m.article_id: m.story_id for m in window.members()}
    if merge:
        assert both.merges and len(set(stories.values())) == 1
        assert changed == [Repoint(2, None, both.story_id, 102)] or changed == [Repoint(1, None, both.story_id, 101)]
    else:
        assert not both.merges and not changed and len(set(stories.values())) == 2


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlStore]:
    s = open_store(sqlite_url)
    yield s
    s.close()


def test_merged_stories_reach_the_store_and_survive_a_restart(store: SqlStore) -> None:
    params = ClusterParams(threshold=2.0, fact_threshold=0.0, phrase_threshold=2.0)
    tracker = StoryTracker(store, cluster=params)
    rows = [("port", "شحنة قمح في ميناء الفنار", PORT.replace("8.4 مليار", "مليار")),
            ("grain", "مخازن الحبوب جاهزة", GRAIN.replace("1250 طنا", "الشحنة")),
            ("both", "القمح يصل والمخازن جاهزة", "وصل 1250 طنا بقيمة 8.4 مليار جنيه.")]
    ids = []
    for i, (slug, title, text) in enumerate(rows):
        source = store.add_source(Source(slug=slug, name=slug, homepage=""))
        when = T0 + timedelta(minutes=10 * i)
        a = Article(url=f"https://{slug}.example/1", canonical_url=f"https://{slug}.example/1",
                    source_id=int(source.id or 0), title=title, text=text, published_at=when, first_seen=when)
        decided = tracker.assign(a)
        stored = store.upsert_article(decided)
        tracker.after_store(stored.id, decided)
        ids.append(stored.id)
    story_ids = {store.get_article(i).story_id for i in ids}
    assert len(story_ids) == 1
    story = store.get_story(int(story_ids.pop() or 0))
    assert story.article_count == 3 and story.source_count == 3
    restarted = StoryTracker(store, cluster=params)
    assert {s for _, _, s in restarted.live_articles()} == {story.id}
