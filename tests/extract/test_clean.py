"""Clean-up rules: data files sorted and valid, Arabic spelling variants, link density, DOM pre-cleaning."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml
from lxml import html as lxml_html

from bawaba.pipeline.clean import Block, class_words, clean_blocks, default_rules, is_linky, preclean_tree
from bawaba.pipeline.sanitize import sanitize_html

ARTICLE = "وقال المتحدث باسم الوزارة إن العمل في المشروع سيستأنف مطلع الشهر المقبل بعد الانتهاء من الدراسات الفنية اللازمة."


def p(text: str, link_chars: int = 0, kind: str = "p") -> Block:
    return Block(kind, text, f"<p>{text}</p>", link_chars)


def test_rule_files_are_sorted() -> None:
    base = resources.files("bawaba").joinpath("data", "cleanup")
    dom = yaml.safe_load(base.joinpath("dom.yaml").read_text(encoding="utf-8"))
    for key, values in dom.items():
        assert values == sorted(values), key
    text = yaml.safe_load(base.joinpath("text.yaml").read_text(encoding="utf-8"))
    for key, rules in text.items():
        names = [r["name"] for r in rules]
        assert names == sorted(names), key


@pytest.mark.parametrize(
    "chrome",
    [
        "أنت الآن تتصفح خبر بعنوان الوزير يفتتح المعرض",
        "انت الان تتصفح خبر بعنوان الوزير يفتتح المعرض",
        "ونحن لا نتحمل أي مسؤولية عن محتوى الخبر",
        "ونحن لا نتحمل أى مسئولية عن محتوى الخبر",
        "يمكنك قراءة الخبر من المصدر الأصلي",
        "إقرأ أيضاً: الوزير يفتتح المعرض",
        "اقرأ ايضا - الوزير يفتتح المعرض",
        "شاهد أيضا: فيديو الافتتاح",
        "٣/٧",
        "3 / 7",
        "تعليقات (12)",
        "مشاهدات 1520",
        "جميع الحقوق محفوظة © 2024",
        "تابعونا على تليجرام",
        "تابعوا آخر الأخبار عبر قناتنا على واتساب",
        "عاجل",
        "شارك",
        "طباعة | إرسال لصديق",
        "تصويت اليوم pic.twitter.com/abc123",
    ],
)
def test_chrome_paragraphs_dropped(chrome: str) -> None:
    assert clean_blocks([p(ARTICLE), p(chrome), p(ARTICLE + " ثانية")]) == [p(ARTICLE), p(ARTICLE + " ثانية")]


@pytest.mark.parametrize(
    "real",
    [
        "شارك الوزير في افتتاح المؤتمر الذي حضره عدد كبير من المسؤولين والخبراء من دول المنطقة.",
        "وتابع الوزير حديثه قائلا إن الحكومة ماضية في خططها لتطوير شبكة الطرق في المحافظات.",
        "وأكد أن عاجل الإجراءات سيتخذ خلال أيام لحل أزمة المياه في القرى المتضررة من الجفاف.",
        "وقرأ المشاركون بيانا ختاميا أكدوا فيه أهمية التعاون الإقليمي في مواجهة التغير المناخي.",
    ],
)
def test_real_paragraphs_kept(real: str) -> None:
    assert clean_blocks([p(ARTICLE), p(real)]) == [p(ARTICLE), p(real)]


def test_read_also_block_removed_until_next_real_paragraph() -> None:
    blocks = [
        p(ARTICLE),
        p("قد تقرأ أيضا", kind="h"),
        p("الوزير يفتتح المعرض", 19, "li"),
        p("خبر آخر قصير", 12),
        p(ARTICLE + " تتمة"),
    ]
    assert clean_blocks(blocks) == [p(ARTICLE), p(ARTICLE + " تتمة")]


def test_comments_truncate_but_not_first_paragraph() -> None:
    blocks = [p("التعليقات"), p(ARTICLE), p("تعليقات القراء"), p("تعليق طويل من قارئ " * 5)]
    assert clean_blocks(blocks) == [p(ARTICLE)]


def test_link_density() -> None:
    assert is_linky(p("محافظ أسوان يتفقد أعمال التطهير", 30))
    assert not is_linky(p(ARTICLE, 10))
    assert clean_blocks([p(ARTICLE), p("عنوان خبر آخر يظهر كرابط", 24)]) == [p(ARTICLE)]


def test_class_words() -> None:
    assert class_words("post-shareBar_top") == ["post", "share", "bar", "top"]


def test_preclean_removes_chrome_by_class_but_keeps_big_article() -> None:
    body = "".join(f"<p>{ARTICLE}</p>" for _ in range(6))
    tree = lxml_html.document_fromstring(
        f"""<html><body><div class="social-icons">x</div><div id="related-news"><a href="/a">a</a></div>
        <div class="entry share-ready">{body}</div><blockquote class="twitter-tweet">t</blockquote>
        <div class="heading">keep</div><div class="ad-slot">ad</div></body></html>"""
    )
    assert preclean_tree(tree) == 4
    text = tree.text_content()
    assert ARTICLE in text and "keep" in text and "ad" not in text.split()


def test_rules_are_cached_and_frozen() -> None:
    assert default_rules() is default_rules()
    with pytest.raises(AttributeError):
        default_rules().drop = ()  # type: ignore[misc]


@pytest.mark.parametrize(
    "hostile",
    [
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<svg onload="alert(1)"></svg>',
        "<script>alert(1)</script>",
        '<iframe src="https://evil.example"></iframe>',
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
        "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    ],
)
def test_sanitize_html_removes_active_content(hostile: str) -> None:
    out = sanitize_html(f"<p>نص</p>{hostile}").lower()
    for bad in ("script", "onerror", "onload", "javascript:", "data:", "<svg", "<iframe", "style=", "<math"):
        assert bad not in out


def test_sanitize_html_keeps_structure_and_marks_links() -> None:
    out = sanitize_html('<h2>عنوان</h2><p><strong>نص</strong> <a href="/x">رابط</a></p><ul><li>بند</li></ul>')
    assert out.startswith("<h2>عنوان</h2>") and "<strong>نص</strong>" in out and "<li>بند</li>" in out
    assert '<a href="/x" rel="nofollow noopener">' in out
