"""Invented Arabic news stories with republications and rewrites, generated at test time.

Every word is our own: fictional places, people and events, combined from small vocabularies.
Each story has an original, copies (whole with counters and footers, trimmed, reordered,
retitled "عاجل: …") that must point to it, and rewrites by other outlets (own wording) that
belong to the same story but are not copies.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PLACES = ["الواحة الشرقية", "مرسى النخيل", "وادي السدر", "تل الزيتون", "كفر الريحان", "جزيرة المرجان",
          "سهل القمح", "رأس الحكمة الجديدة", "بئر العنب", "قرية الصفصاف", "مدينة النسيم", "ميناء الفنار"]
PEOPLE = ["سامر الدباغ", "ليلى المنياوي", "حازم القطان", "رنا الشاذلي", "عادل الفيومي", "نجوى الصيرفي",
          "طارق البنهاوي", "هالة الزيات", "مروان الدسوقي", "سلمى الحلواني", "كريم العدوي", "دينا الخطيب"]
ORGS = ["هيئة الموانئ", "وزارة الري", "الاتحاد المحلي للكرة", "مجلس المدينة", "شركة الكهرباء الوطنية",
        "جامعة الساحل", "بنك التنمية الزراعية", "هيئة الأرصاد", "نقابة الأطباء", "صندوق الإسكان"]
EVENTS = [("افتتاح", "محطة تحلية مياه"), ("توقيع", "اتفاقية تعاون"), ("إطلاق", "مبادرة لدعم الشباب"),
          ("انطلاق", "بطولة الشتاء للسباحة"), ("تدشين", "خط حافلات كهربائية"), ("إعلان", "خطة لتطوير الطرق"),
          ("ارتفاع", "أسعار الخضروات"), ("تحذير", "من موجة أمطار غزيرة"), ("بدء", "حملة تطعيم موسعة"),
          ("اكتشاف", "موقع أثري جديد"), ("زيادة", "صادرات التمور"), ("تكريم", "أوائل الثانوية")]
CLAIMS = [
    "وقال {p} إن {e} يأتي ضمن خطة طموحة تستهدف تحسين حياة {n} مواطن في {pl}.",
    "وأكد {p} أن {o} ستتابع تنفيذ {e} بشكل أسبوعي حتى اكتمال جميع المراحل.",
    "وأوضح مصدر في {o} أن تكلفة {e} بلغت نحو {n} مليون جنيه.",
    "ويستفيد من {e} قرابة {n} أسرة في {pl} والقرى المحيطة بها.",
    "وأشار {p} إلى أن العمل في {e} استمر {m} شهرا رغم صعوبات التمويل.",
    "من جهتها رحبت {o} بما تحقق، ودعت إلى تعميم التجربة في محافظات أخرى.",
    "وشهدت {pl} حضورا كبيرا من الأهالي الذين تابعوا {e} منذ الساعات الأولى.",
    "ولفت {p} إلى أن المرحلة الثانية من {e} تبدأ خلال {m} أشهر.",
    "وكانت {o} قد أعلنت العام الماضي عن نيتها تنفيذ {e} في {pl}.",
    "وتوقع خبراء أن يسهم {e} في توفير {n} فرصة عمل مباشرة.",
    "وفي تصريح خاص قال {p}: «نحن أمام خطوة مهمة، والمواطن هو الحكم في النهاية».",
    "وطالب نواب عن {pl} بزيادة المخصصات المالية لضمان استمرار {e}.",
    "وتعود فكرة {e} إلى دراسة أعدتها {o} قبل {m} سنوات.",
    "وأعلن {p} عن تشكيل لجنة لمتابعة شكاوى المواطنين المتعلقة ب{e}.",
    "ويرى مراقبون أن نجاح {e} مرهون بالتزام الجهات المنفذة بالجدول الزمني.",
    "وانتشرت صور {e} على مواقع التواصل وسط تفاعل واسع من سكان {pl}.",
]
#: openings that make two stories told from the same sentence patterns still differ in wording
OPENINGS = ["صباح الأحد", "مساء الاثنين", "ظهر الثلاثاء", "فجر الأربعاء", "عصر الخميس", "ليلة الجمعة",
            "صباح السبت", "في وقت متأخر", "خلال جولة ميدانية", "في بيان رسمي", "أمام الصحفيين", "عبر الهاتف"]
FOOTERS = ["اقرأ أيضا: أسعار الذهب اليوم في الأسواق المحلية", "تابعونا على صفحتنا لمزيد من الأخبار العاجلة",
           "جميع الحقوق محفوظة لموقع البوابة الإخبارية", "شاهد أيضا: فيديو يرصد زحام الطرق صباح اليوم"]


@dataclass(frozen=True, slots=True)
class GenArticle:
    key: str
    source: str
    url: str
    title: str
    text: str
    published_at: datetime
    story: str
    original: str | None  # key of the article this copies, None for originals

    def as_json(self) -> dict[str, object]:
        return {"url": self.url, "source": self.source, "title": self.title, "text": self.text,
                "published_at": self.published_at.isoformat()}


def _story_text(rng: random.Random, facts: dict[str, str], claims: list[str]) -> list[str]:
    return [rng.choice(OPENINGS) + "، " + c.format(p=facts["p"], o=facts["o"], e=facts["e"], pl=facts["pl"], n=rng.randint(120, 98000),
                     m=rng.randint(2, 11)) for c in claims]


def generate(n_stories: int, seed: int, start: datetime | None = None,
             outlets: tuple[str, ...] = ("sada", "nile", "rased", "delta"),
             copiers: tuple[str, ...] = ("nabd", "sahel")) -> list[GenArticle]:
    """Articles of ``n_stories`` stories in arrival order: by publication time plus a random
    polling delay of up to six hours, so copies often arrive before their originals."""
    rng = random.Random(seed)
    start = start or datetime(2026, 3, 1, 8, tzinfo=UTC)
    out: list[GenArticle] = []
    for s in range(n_stories):
        verb, what = rng.choice(EVENTS)
        facts = {"p": rng.choice(PEOPLE), "o": rng.choice(ORGS), "pl": rng.choice(PLACES), "e": f"{verb} {what}"}
        when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 5))
        story = f"s{seed}-{s}"
        covering = rng.sample(outlets, rng.randint(1, 3))
        claims = rng.sample(CLAIMS, len(CLAIMS))
        share = len(CLAIMS) // len(covering)
        for i, outlet in enumerate(covering):
            # each outlet tells the story in its own sentences (a rewrite is not a copy)
            mine = claims[i * share:(i + 1) * share]
            paras = _story_text(rng, facts, rng.sample(mine, min(len(mine), rng.randint(5, 8))))
            title = f"{verb} {what} في {facts['pl']} بحضور {facts['p']}" if i % 2 == 0 else \
                f"{facts['o']}: {verb} {what} في {facts['pl']}"
            key = f"{story}-{outlet}"
            t = when + timedelta(minutes=17 * i + rng.randint(0, 9))
            orig = GenArticle(key, outlet, f"https://{outlet}.example/news/{seed}/{s}", title,
                              "\n\n".join(paras), t, story, None)
            out.append(orig)
            for copier in rng.sample(copiers, rng.randint(0, len(copiers))):
                out.append(_copy(rng, orig, copier))
    arrival = {a.key: a.published_at + timedelta(minutes=rng.randint(0, 360)) for a in out}
    out.sort(key=lambda a: (arrival[a.key], a.key))
    return out


def _copy(rng: random.Random, orig: GenArticle, copier: str) -> GenArticle:
    paras = orig.text.split("\n\n")
    kind = rng.choice(["whole", "trim", "reorder", "retitle"])
    title = orig.title
    if kind == "trim":
        paras = paras[: max(3, int(len(paras) * rng.uniform(0.5, 0.8)))]
    elif kind == "reorder":
        head, rest = paras[:1], paras[1:]
        rng.shuffle(rest)
        paras = head + rest
    elif kind == "retitle":
        title = "عاجل: " + orig.title
    paras = [f"المشاهدات: {rng.randint(100, 99999)}", *paras, rng.choice(FOOTERS)]
    delay = timedelta(minutes=rng.randint(5, 300))
    return GenArticle(f"{orig.key}~{copier}", copier, f"https://{copier}.example/r/{orig.url.rsplit('/', 2)[-2]}"
                      f"/{orig.url.rsplit('/', 1)[-1]}/{orig.source}", title, "\n\n".join(paras),
                      orig.published_at + delay, orig.story, orig.key)
