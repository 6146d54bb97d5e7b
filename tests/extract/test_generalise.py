"""The generic clean-up added after the held-out measurement, each on markup no saved page uses."""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html

from bawaba.pipeline.clean import Block, clean_blocks, preclean_tree
from bawaba.pipeline.extract import extract_article
from bawaba.pipeline.metadata import read_metadata

ARTICLE = "وقال المتحدث باسم الوزارة إن العمل في المشروع سيستأنف مطلع الشهر المقبل بعد الانتهاء من الدراسات الفنية اللازمة."
BODY = "".join(f"<p>{ARTICLE} {i}</p>" for i in range(5))


def p(text: str, link_chars: int = 0, kind: str = "p") -> Block:
    return Block(kind, text, f"<p>{text}</p>", link_chars)


@pytest.mark.parametrize(
    "chrome",
    [
        "إعلان",
        "مساحة إعلانية",
        "Advertisement",
        "حمّل تطبيق الموقع الآن على جوجل بلاي وآب ستور",
        "تابعوا آخر الأخبار عبر تطبيقنا على الهواتف الذكية",
        "جميع المواد المنشورة تعبر عن آراء كتابها",
        "والآراء الواردة لا تعبر بالضرورة عن رأي الموقع",
    ],
)
def test_new_chrome_paragraphs_dropped(chrome: str) -> None:
    assert clean_blocks([p(ARTICLE), p(chrome), p(ARTICLE + " ثانية")]) == [p(ARTICLE), p(ARTICLE + " ثانية")]


@pytest.mark.parametrize("heading", ["مواضيع قد تهمك", "قد يعجبك أيضا", "Lire aussi", "من نفس القسم"])
def test_related_headings_open_a_link_block(heading: str) -> None:
    blocks = [p(ARTICLE), p(heading, kind="h"), p("عنوان خبر آخر قصير", 18), p(ARTICLE + " تتمة")]
    assert clean_blocks(blocks) == [p(ARTICLE), p(ARTICLE + " تتمة")]


def test_counted_comments_heading_ends_article_only_after_the_body() -> None:
    long_text = [p(f"{ARTICLE} {i}") for i in range(5)]
    after = clean_blocks([*long_text, p("آراء القراء (5)"), p("تعليق طويل من قارئ " * 5)])
    assert after == long_text
    # near the top the same words are a counter: dropped alone, the article goes on
    early = clean_blocks([p(ARTICLE), p("تعليقات (3)"), *long_text])
    assert early == [p(ARTICLE), *long_text]


def test_teaser_list_removed_by_structure_not_class() -> None:
    teasers = "".join(
        f'<div class="q{i}"><h3><a href="/t/{i}">عنوان خبر آخر من القسم نفسه رقم {i}</a></h3>'
        f"<p>ملخص قصير للخبر الآخر يظهر تحت عنوانه في الشريط الجانبي {i}.</p></div>"
        for i in range(3)
    )
    tree = lxml_html.document_fromstring(
        f'<html><body><div class="a">{BODY}</div><div class="b">{teasers}</div></body></html>'
    )
    preclean_tree(tree)
    text = tree.text_content()
    assert ARTICLE in text and "ملخص قصير" not in text and "عنوان خبر آخر" not in text


def test_single_linked_subheading_in_body_is_not_a_teaser_list() -> None:
    html = f'<html><body><div><h3><a href="/x">عنوان فرعي مرتبط داخل المقال</a></h3><p>{ARTICLE}</p></div></body></html>'
    tree = lxml_html.document_fromstring(html)
    preclean_tree(tree)
    assert ARTICLE in tree.text_content()


def test_graph_author_reference_is_resolved() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "NewsArticle", "headline": "عنوان", "author": {"@id": "https://s.example/#p1"}},
            {"@type": "Person", "@id": "https://s.example/#p1", "name": "هدى سالم"},
        ],
    }
    page = f'<html><head><script type="application/ld+json">{json.dumps(graph)}</script></head><body></body></html>'
    meta = read_metadata(lxml_html.document_fromstring(page), "https://s.example/a")
    assert meta.author == "هدى سالم"


def _page(shell_lang: str, body: str, extra: str = "") -> str:
    return f'<html lang="{shell_lang}"><head><title>عنوان الخبر</title></head><body><article><h1>عنوان الخبر</h1>{extra}{body}</article></body></html>'


def test_language_follows_the_body_script() -> None:
    assert extract_article(_page("fr", BODY), "https://s.example/a").language == "ar"
    assert extract_article(_page("ar", BODY), "https://s.example/a").language == "ar"
    english = "".join(
        f"<p>The ministry said the project would resume next month, number {i}.</p>" for i in range(5)
    )
    assert extract_article(_page("ar", english), "https://s.example/a").language is None


def test_amp_images_and_related_card_thumbnails() -> None:
    extra = (
        '<figure><amp-img src="https://s.example/lead.jpg" width="1200" height="675"></amp-img>'
        "<figcaption>صورة الخبر الرئيسية</figcaption></figure>"
        '<div><a href="/other-story"><img src="https://s.example/thumb.jpg"><span>عنوان خبر آخر مرتبط بالموضوع</span></a></div>'
        '<a href="https://s.example/full.jpg"><img src="https://s.example/small.jpg" alt="صورة مكبرة"></a>'
    )
    got = extract_article(_page("ar", BODY, extra), "https://s.example/a")
    assert [i.src for i in got.images] == ["https://s.example/lead.jpg", "https://s.example/small.jpg"]
    assert got.images[0].caption == "صورة الخبر الرئيسية"


def test_gallery_counter_is_not_part_of_a_caption() -> None:
    slides = "".join(
        f'<div><img src="https://s.example/g{i}.jpg"><div><span>{n} من ٣</span><p>وصف الصورة رقم {i}</p></div></div>'
        for i, n in enumerate("١٢٣", 1)
    )
    got = extract_article(_page("ar", BODY, slides), "https://s.example/a")
    assert [i.caption for i in got.images] == [f"وصف الصورة رقم {i}" for i in (1, 2, 3)]
    assert "<img" not in got.html and "وصف الصورة" not in got.text
