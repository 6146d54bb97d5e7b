"""A small portal over a real store, filled with invented Arabic articles (no real news)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bawaba.config import Settings
from bawaba.models import Article, Image, Source
from bawaba.store import SqlStore, open_store
from bawaba.web.app import create_app

NOW = datetime.now(UTC).replace(microsecond=0)

SOURCES = (
    Source(slug="wadi-news", name="وادي النيل نيوز", homepage="https://wadi.example/"),
    Source(slug="sharq-daily", name="الشرق اليومي", homepage="https://sharq.example/"),
    Source(slug="riyada", name="رياضة اليوم", homepage="https://riyada.example/"),
)

#: (category, title, paragraphs) — invented news items
STORIES = (
    (
        "egypt",
        "محافظ الجيزة يفتتح محطة مياه جديدة في أوسيم",
        (
            "افتتح محافظ الجيزة صباح اليوم محطة لتنقية مياه الشرب بطاقة خمسين ألف متر مكعب يوميا.",
            "وقال المحافظ إن المحطة تخدم أكثر من مئتي ألف مواطن في القرى المجاورة.",
        ),
    ),
    (
        "egypt",
        "هيئة السكك الحديدية تعلن مواعيد قطارات العيد الإضافية",
        (
            "أعلنت الهيئة تشغيل اثني عشر قطارا إضافيا خلال إجازة العيد لتخفيف الزحام.",
            "وتبدأ الحجوزات يوم الأحد المقبل عبر شبابيك التذاكر والتطبيق الرسمي.",
        ),
    ),
    (
        "egypt",
        "جامعة القاهرة تطلق برنامجا لتدريب الخريجين على البرمجة",
        (
            "أطلقت الجامعة برنامجا مجانيا لمدة ستة أشهر يستهدف ألف خريج.",
            "ويشمل البرنامج تدريبا عمليا في شركات ناشئة محلية.",
        ),
    ),
    (
        "egypt",
        "الأرصاد تتوقع طقسا معتدلا نهارا وباردا ليلا",
        (
            "توقعت هيئة الأرصاد الجوية استمرار الطقس المعتدل على القاهرة الكبرى.",
            "ونصحت المواطنين بارتداء ملابس ثقيلة في ساعات الليل المتأخرة.",
        ),
    ),
    (
        "egypt",
        "افتتاح معرض للحرف اليدوية بمشاركة مئة عارض في الأقصر",
        (
            "يستمر المعرض عشرة أيام ويضم منتجات الخزف والنسيج اليدوي.",
            "وقالت المنظمة إن الدخول مجاني طوال أيام المعرض.",
        ),
    ),
    (
        "economy",
        "البنك المركزي يبقي أسعار الفائدة دون تغيير",
        (
            "قررت لجنة السياسة النقدية الإبقاء على أسعار العائد الأساسية في اجتماعها الأخير.",
            "وأرجعت اللجنة القرار إلى تباطؤ معدلات التضخم خلال الربع الأخير.",
        ),
    ),
    (
        "economy",
        "ارتفاع صادرات الحاصلات الزراعية عشرة في المئة",
        (
            "سجلت الصادرات الزراعية ارتفاعا ملحوظا مدفوعة بالطلب على الموالح.",
            "وتصدرت الأسواق الأوروبية قائمة المستوردين.",
        ),
    ),
    (
        "sports",
        "الأهلي يفوز على الزمالك بهدفين في قمة الدوري",
        (
            "حسم الأهلي مباراة القمة بهدفين نظيفين في الشوط الثاني.",
            "ورفع الفريق رصيده إلى ثلاثين نقطة في صدارة الترتيب.",
        ),
    ),
    (
        "sports",
        "منتخب اليد يتأهل إلى نصف نهائي البطولة الأفريقية",
        ("تأهل المنتخب بعد فوز مثير على نظيره التونسي.", "ويلتقي في الدور المقبل مع منتخب الجزائر."),
    ),
    (
        "world",
        "قمة إقليمية تبحث أزمة المياه في حوض النهر",
        (
            "اجتمع قادة الدول المشاركة لبحث سبل التعاون في إدارة الموارد المائية.",
            "واتفق المجتمعون على تشكيل لجنة فنية مشتركة.",
        ),
    ),
    (
        "technology",
        "شركة ناشئة مصرية تجمع تمويلا لتطبيق توصيل الأدوية",
        ("أعلنت الشركة جمع خمسة ملايين دولار في جولة تمويلية أولى.", "وتخطط للتوسع في ثلاث محافظات جديدة."),
    ),
    (
        "health",
        "وزارة الصحة تطلق حملة للتطعيم ضد الإنفلونزا الموسمية",
        (
            "تستهدف الحملة كبار السن وأصحاب الأمراض المزمنة.",
            "وتتوفر اللقاحات مجانا في وحدات الرعاية الأساسية.",
        ),
    ),
)

#: story index -> region where it is not egypt
REGION_OF_STORY: dict[int, str | None] = {9: "arab", len(STORIES) - 1: None}

HOSTILE = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">اضغط هنا</a>',
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
)


@dataclass
class Portal:
    store: SqlStore
    app: FastAPI
    client: TestClient
    sources: dict[str, Source]
    ids: list[int] = field(default_factory=list)
    by_title: dict[str, int] = field(default_factory=dict)

    def add(self, article: Article) -> int:
        article_id = self.store.upsert_article(article).id
        self.ids.append(article_id)
        self.by_title[article.title] = article_id
        return article_id


def make_article(
    source: Source, n: int, category: str, title: str, paragraphs: tuple[str, ...], **extra: object
) -> Article:
    html = "".join(f"<p>{p}</p>" for p in paragraphs)
    fields: dict[str, object] = {
        "url": f"{source.homepage}news/{n}",
        "canonical_url": f"{source.homepage}news/{n}",
        "source_id": source.id or 0,
        "title": title,
        "text": "\n".join(paragraphs),
        "html": html,
        "published_at": NOW - timedelta(hours=n),
        "first_seen": NOW - timedelta(hours=n) + timedelta(minutes=5),
        "category": category,
    }
    fields.update(extra)
    return Article(**fields)  # type: ignore[arg-type]


def fill(store: SqlStore, portal: Portal) -> None:
    sources = list(portal.sources.values())
    for n, (category, title, paragraphs) in enumerate(STORIES):
        source = sources[2] if category == "sports" else sources[n % 2]
        #: the regional summit is the one arab story; the last has no region, as an old row may not
        extra: dict[str, object] = {"region": REGION_OF_STORY.get(n, "egypt")}
        if n == 0:
            extra |= {
                "author": "سارة عبد الحميد",
                "lead_image": "https://img.example/giza-1.svg",
                "images": (
                    Image("https://img.example/giza-1.svg", "المحافظ خلال الافتتاح", 800, 450),
                    Image("https://img.example/giza-2.svg", "جانب من المحطة الجديدة", 800, 450),
                    Image("https://img.example/giza-3.svg", "الأهالي يتابعون الحدث", 800, 450),
                ),
                "tags": ("الجيزة", "مياه الشرب"),
                "section": "محافظات",
            }
        portal.add(make_article(source, n + 1, category, title, paragraphs, **extra))


def build_portal(url: str, **settings: object) -> Portal:
    store = open_store(url)
    added = {s.slug: store.add_source(s) for s in SOURCES}
    app = create_app(store, Settings(database_url=url, site_url="http://portal.test", **settings))  # type: ignore[arg-type]
    portal = Portal(store=store, app=app, client=TestClient(app), sources=added)
    fill(store, portal)
    return portal
