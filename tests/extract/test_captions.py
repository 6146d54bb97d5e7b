"""Image captions go to ``Extracted.images``, never to the body text or html, whatever the markup.

Each case is a figure shape seen on Arabic news templates, written here with class names that
either say "caption" or mean nothing, so the structural rule is tested apart from the word rule.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import html as lxml_html

from bawaba.models import Extracted
from bawaba.pipeline.clean import Block, clean_blocks
from bawaba.pipeline.extract import extract_article

from .checks import check_saved_page, load_page

PAGES = Path(__file__).parent / "pages"
URL = "https://wadi-news.example/local/2025/04/3310"
TITLE = "بدء موسم حصاد القمح في محافظات الصعيد وسط توقعات بإنتاج قياسي"
PARAS = [
    "بدأ المزارعون في محافظات الصعيد حصاد محصول القمح لهذا الموسم، وسط توقعات بأن يتجاوز الإنتاج ما حققته المواسم الثلاثة الماضية بفضل اعتدال الطقس خلال فصل الشتاء.",
    "وقال مدير مديرية الزراعة إن المساحة المزروعة بالقمح زادت بنحو عشرة في المئة مقارنة بالعام الماضي، وإن الصوامع الحكومية جاهزة لاستقبال المحصول من الأسبوع المقبل.",
    "وأضاف أن لجانا فنية ستتابع عمليات التوريد في مراكز التجميع لضمان صرف مستحقات المزارعين خلال ثمانية وأربعين ساعة من تسليم الكميات المتفق عليها.",
    "ويأمل المزارعون أن يسهم السعر المعلن للتوريد في تغطية ارتفاع تكاليف الأسمدة والسولار، بعد موسم شهد زيادات متتالية في أسعار مستلزمات الإنتاج.",
]
GOLD = "\n\n".join(PARAS)
CAPTIONS = ["مزارعون يجمعون سنابل القمح في حقل بأسيوط", "آلة حصاد حديثة تعمل قرب الطريق الزراعي"]


def page(figures: str, *, after_first: str = "", shell: str = "div") -> str:
    body = f"<p>{PARAS[0]}</p>{after_first}" + "".join(f"<p>{p}</p>" for p in PARAS[1:])
    return (
        f'<html lang="ar"><head><meta charset="utf-8"><meta property="og:title" content="{TITLE}"></head>'
        f'<body><{shell} class="zq1"><h1>{TITLE}</h1>{figures}<div class="zq2">{body}</div></{shell}></body></html>'
    )


def extract(markup: str) -> Extracted:
    return extract_article(markup, URL)


def assert_captions_out(got: Extracted, captions: list[str]) -> None:
    assert got.text == GOLD
    for caption in captions:
        assert caption not in got.text
        assert caption not in got.html
    assert "<table" not in got.html
    assert [i.caption for i in got.images] == captions


def img(n: int, ext: str = "jpg") -> str:
    return f'<img src="/media/wheat-{n}.{ext}" width="640" height="360">'


@pytest.mark.parametrize(
    "figures",
    [
        # WordPress-like: one wrapper per picture, the caption a paragraph with a caption class
        "".join(
            f'<div class="wp-caption">{img(i)}<p class="wp-caption-text">{c}</p></div>'
            for i, c in enumerate(CAPTIONS)
        ),
        # the same with names that mean nothing: a short block sharing a wrapper with a picture only
        "".join(f'<div class="k{i}">{img(i)}<p class="m{i}">{c}</p></div>' for i, c in enumerate(CAPTIONS)),
        # <figure>/<figcaption>, the caption wrapped in a span inside
        "".join(
            f"<figure>{img(i)}<figcaption><span>{c}</span></figcaption></figure>"
            for i, c in enumerate(CAPTIONS)
        ),
        # a gallery laid out as a table: picture rows and caption rows, no names
        "<table>"
        + "".join(f"<tr><td>{img(i)}</td></tr><tr><td>{c}</td></tr>" for i, c in enumerate(CAPTIONS))
        + "</table>",
        # a list of linked pictures, each caption in a span
        "<ul>"
        + "".join(
            f'<li><a href="/media/wheat-{i}.jpg">{img(i)}</a><span>{c}</span></li>'
            for i, c in enumerate(CAPTIONS)
        )
        + "</ul>",
        # SVG pictures are kept when the page captions them
        "".join(f"<div>{img(i, 'svg')}<div>{c}</div></div>" for i, c in enumerate(CAPTIONS)),
    ],
    ids=["wp-caption", "unnamed-wrapper", "figcaption", "photo-table", "linked-list", "svg"],
)
def test_figure_shapes_give_captions_not_text(figures: str) -> None:
    assert_captions_out(extract(page(figures)), CAPTIONS)


def test_slider_with_counters_and_controls() -> None:
    slides = "".join(
        f'<div class="item">{img(i)}<div class="meta"><span>{i + 1} / 2</span><p>{c}</p></div></div>'
        for i, c in enumerate(CAPTIONS)
    )
    figures = f'<div class="photo-slider"><div class="top"><span>معرض الصور</span></div>{slides}<span>‹ ›</span></div>'
    got = extract(page(figures))
    assert_captions_out(got, CAPTIONS)
    assert "معرض الصور" not in got.text


def test_captions_written_above_their_pictures() -> None:
    figures = (
        "<table>"
        + "".join(f"<tr><td>{c}</td></tr><tr><td>{img(i)}</td></tr>" for i, c in enumerate(CAPTIONS))
        + "</table>"
    )
    assert_captions_out(extract(page(figures)), CAPTIONS)


def test_caption_and_credit_classes_beside_a_picture_among_paragraphs() -> None:
    inline = (
        f'{img(0)}<p class="photo-legend">{CAPTIONS[0]}</p><p class="img-credit">تصوير: سامي عبد الله</p>'
    )
    got = extract(page("", after_first=inline))
    assert got.text == GOLD
    assert "سامي عبد الله" not in got.text and CAPTIONS[0] not in got.text
    assert [i.caption for i in got.images] == [f"{CAPTIONS[0]} تصوير: سامي عبد الله"]


def test_a_caption_class_with_no_picture_still_leaves_the_text() -> None:
    video = '<div class="video-box"><div class="video-caption">لقطات من الحقول صباح اليوم</div></div>'
    got = extract(page("", after_first=video))
    assert got.text == GOLD


def test_short_paragraphs_beside_an_inline_picture_stay_article_text() -> None:
    """A body of short paragraphs with a picture in it is not a figure: too much text per picture."""
    short = ["وصل سعر الأردب إلى ألفي جنيه.", "وبدأ التوريد في ثلاث محافظات.", "وتستمر الحملة حتى يونيو."]
    body = img(0) + "".join(f"<p>{s}</p>" for s in short) + "".join(f"<p>{p}</p>" for p in PARAS)
    markup = (
        f'<html><head><meta property="og:title" content="{TITLE}"></head><body><div class="a">'
        f'<h1>{TITLE}</h1><div class="b">{body}</div></div></body></html>'
    )
    got = extract(markup)
    assert all(s in got.text for s in short)
    assert got.text.endswith(PARAS[-1])


def test_related_card_thumbnails_stay_out_after_their_headlines_leave() -> None:
    card = '<div class="r"><a href="/other/9"><img src="/thumbs/9.jpg" width="200" height="120"><span>عنوان خبر آخر عن أسعار الأسمدة في الأسواق</span></a></div>'
    got = extract(page(f'<div class="k">{img(0)}<p>{CAPTIONS[0]}</p></div>', after_first=card))
    assert [i.src.rsplit("/", 1)[1] for i in got.images] == ["wheat-0.jpg"]


@pytest.mark.parametrize("mark", ["—", "-", "|", "…", "* * *"])
def test_lone_punctuation_paragraphs_dropped(mark: str) -> None:
    blocks = [Block("p", PARAS[0], f"<p>{PARAS[0]}</p>"), Block("p", mark, f"<p>{mark}</p>")]
    assert [b.text for b in clean_blocks(blocks)] == [PARAS[0]]


def test_byline_dateline_line_dropped_but_a_sentence_with_a_time_kept() -> None:
    line = "هشام الدسوقي - وادي النيل — الأحد، 13 نيسان 2025 - 10:45"
    sentence = "وتنطلق المباراة يوم 13 أبريل 2025 في الساعة 19:00 بتوقيت القاهرة."
    blocks = [Block("p", t, f"<p>{t}</p>") for t in (line, PARAS[0], sentence)]
    assert [b.text for b in clean_blocks(blocks)] == [PARAS[0], sentence]


def _obfuscated(body: bytes, seed: int) -> bytes:
    rnd = random.Random(seed)
    tree = lxml_html.document_fromstring(body)
    for el in tree.iter():
        for attr in ("class", "id"):
            if isinstance(el.tag, str) and el.get(attr):
                el.set(attr, "".join(rnd.choice("abcdefghij") for _ in range(6)))
    out: bytes = lxml_html.tostring(tree, encoding="utf-8")
    return out


@pytest.mark.parametrize("name", ["wp_caption_gallery", "photo_table_atom"])
def test_demo_shaped_pages_by_structure_alone(name: str) -> None:
    """The two crawl-found shapes pass with every class and id replaced by a random token."""
    body, exp = load_page(PAGES, name)
    got = check_saved_page(_obfuscated(body, 3), exp)
    assert got is not None
    assert "<table" not in got.html
    assert not any(c in got.html for c in exp["image_captions"])
