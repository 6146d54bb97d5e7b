"""Pictures of an article and their captions, taken out of the text before extraction.

A caption is text about a picture, not article text, yet extractors keep it as a paragraph (and a
gallery laid out as a table becomes a table of captions in the body). So before extraction each
picture's figure is found and its text detached: by structure, the largest wrapper around the
picture that holds nothing but pictures and short text (a ``wp-caption`` div, a ``<figure>``, a
table of photos, a gallery or slider); by markup, an adjacent ``figcaption`` or an element whose
class says caption/credit/legend. What a figure says becomes that picture's caption, in
``Extracted.images``; the picture stays in the tree so the article region still finds it.
Structure comes first so templates whose class names mean nothing are handled too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from bawaba.models import Image
from bawaba.pipeline.clean import CleanupRules, class_words, contains_words, default_rules
from bawaba.pipeline.metadata import absolute_url, squash

__all__ = ["EDGE_COUNTER", "IMG_TAGS", "Figure", "collect_images", "detach_figures"]

IMG_TAGS = ("img", "amp-img")
#: "٣ من ١٠", "3/10", "(صورة 2 من 7)" at either end of a caption: gallery chrome, not caption
EDGE_COUNTER = re.compile(
    r"^\s*[(\[]?\s*(صورة\s*)?[\d\u0660-\u0669]{1,3}\s*(/|من|of)\s*[\d\u0660-\u0669]{1,3}\s*[)\]]?\s*[-–|:]?\s*"
    r"|\s*[-–|:]?\s*[(\[]?\s*[\d\u0660-\u0669]{1,3}\s*(/|من|of)\s*[\d\u0660-\u0669]{1,3}\s*[)\]]?\s*$"
)
#: text that is only a counter, arrows or punctuation: gallery controls, never a caption
_CONTROL = re.compile(
    r"[\d\u0660-\u0669\W_]*|(صورة\s*)?[\d\u0660-\u0669]{1,3}\s*(من|of)\s*[\d\u0660-\u0669]{1,3}"
)
_MAX_IMAGES = 40
_IMG_NOISE = frozenset(
    {"logo", "icon", "avatar", "sprite", "emoji", "pixel", "spacer", "badge", "ad", "ads", "banner", "share",
     "social"}
)  # fmt: skip
_LAZY_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-lazy", "src")
#: elements that end a run of text: a caption is one or a few such runs
_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "div", "dl", "dt",
     "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol",
     "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
)  # fmt: skip
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_STRUCTURAL = frozenset({"html", "body", "main", "article"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
#: longest run of text that can be a caption: unmarked (a bare short block beside a picture) and
#: marked (a figure, a caption class, a gallery), where the markup vouches for it
_PLAIN_CAPTION_CHARS = 150
_MARKED_CAPTION_CHARS = 300


@dataclass(frozen=True, slots=True)
class Figure:
    """What was learnt about one picture before its figure's text left the tree."""

    caption: str | None
    teaser: bool


# --- reading a subtree as a sequence of pictures and runs of text --------------------------------


def _tag(el: Any) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _small(value: str | None) -> bool:
    return value is not None and value.isdigit() and int(value) < 80


def _tiny(img: Any) -> bool:
    """Icons and emoji drawn inline with text: not pictures a caption could describe."""
    return _small(img.get("width")) or _small(img.get("height"))


class _Run(NamedTuple):
    """A run of text between block edges; ``marked`` when all of it sits in a caption element."""

    text: str
    marked: bool


def _words(el: Any) -> list[str]:
    return class_words(el.get("class") or "") + class_words(el.get("id") or "")


def _is_caption_el(el: Any, rules: CleanupRules) -> bool:
    return _tag(el) == "figcaption" or contains_words(_words(el), rules.caption_words)


def _items(el: Any, out: list[Any], rules: CleanupRules, marked: bool) -> None:
    tag = _tag(el)
    if not tag or tag in _SKIP_TAGS:
        return
    if tag in IMG_TAGS:
        out.append(el)
        return
    marked = marked or _is_caption_el(el, rules)
    block = tag in _BLOCK_TAGS
    if block:
        out.append(None)
    if el.text:
        out.append((el.text, marked))
    for child in el:
        _items(child, out, rules, marked)
        if child.tail:
            out.append((child.tail, marked))
    if block:
        out.append(None)


def _sequence(el: Any, rules: CleanupRules) -> list[Any]:
    """``el`` in document order as picture elements and runs of text (split at block edges)."""
    items: list[Any] = []
    _items(el, items, rules, False)
    seq: list[Any] = []
    buf: list[tuple[str, bool]] = []
    for item in [*items, None]:
        if isinstance(item, tuple):
            buf.append(item)
            continue
        text = squash("".join(t for t, _ in buf))
        if text:
            seq.append(_Run(text, all(m for t, m in buf if t.strip())))
        buf.clear()
        if item is not None and not _tiny(item):
            seq.append(item)
    return seq


def _texts(seq: list[Any]) -> list[_Run]:
    return [x for x in seq if isinstance(x, _Run) and not _CONTROL.fullmatch(x.text)]


def _pictures(seq: list[Any]) -> list[Any]:
    return [x for x in seq if not isinstance(x, _Run)]


# --- figures -------------------------------------------------------------------------------------


def _figure_like(el: Any, rules: CleanupRules) -> bool:
    """Whether ``el`` holds only pictures and a caption's worth of short text about each.

    One picture may carry two runs (caption and credit); several pictures one run each plus
    a heading, unless the container calls itself a gallery. Runs inside caption elements, a
    ``<figure>`` or a gallery may be longer than bare runs beside a picture.
    """
    count = sum(1 for _ in el.iter(*IMG_TAGS))
    if not count or len(el.text_content()) > 2 * _MARKED_CAPTION_CHARS * (3 * count + 2):
        return False  # cheap bound before reading the sequence
    if next(el.iter(*_HEADINGS), None) is not None:
        return False
    seq = _sequence(el, rules)
    pictures, texts = _pictures(seq), _texts(seq)
    if not pictures:
        return False
    gallery = contains_words(_words(el), rules.gallery_words)
    vouched = gallery or _tag(el) == "figure"
    plain = 0
    for run in texts:
        marked = run.marked or vouched
        if len(run.text) > (_MARKED_CAPTION_CHARS if marked else _PLAIN_CAPTION_CHARS):
            return False
        plain += 0 if marked else len(run.text)
    if gallery:
        return len(texts) <= 3 * len(pictures) + 2
    most = 2 if len(pictures) == 1 else len(pictures) + 1
    return len(texts) <= most and plain <= _PLAIN_CAPTION_CHARS * len(pictures)


def _figure_box(img: Any, rules: CleanupRules) -> Any:
    """The largest ancestor of ``img`` (or itself) that is figure-like, below the page structure."""
    box = img
    for anc in img.iterancestors():
        if _tag(anc) in _STRUCTURAL or not _figure_like(anc, rules):
            break
        box = anc
    return box


def _clean_caption(texts: Iterable[str]) -> str | None:
    parts = [squash(EDGE_COUNTER.sub("", t)) for t in texts]
    return squash(" ".join(p for p in parts if p and not _CONTROL.fullmatch(p))) or None


def _box_captions(box: Any, rules: CleanupRules) -> dict[Any, str | None]:
    """Each picture of a figure with the text that goes with it.

    Text after a picture (up to the next one) is its caption, unless every picture is preceded
    by its text and the last one followed by none. Text before the first of several pictures
    that caption what follows them is the gallery's own heading ("ألبوم الصور"): no caption.
    """
    seq = _sequence(box, rules)
    pictures = _pictures(seq)
    runs: list[list[str]] = [[]]
    for item in seq:
        if isinstance(item, _Run):
            runs[-1].append(item.text)
        else:
            runs.append([])
    captions: dict[Any, str | None] = {}
    above = bool(runs[0]) and not runs[-1] and len(pictures) > 1
    for i, pic in enumerate(pictures):
        lone = i == 0 and len(pictures) == 1
        captions[pic] = _clean_caption(runs[i] if above else (runs[0] + runs[1] if lone else runs[i + 1]))
    return captions


def _strip_text(box: Any) -> None:
    """Remove every word from ``box`` and every element that holds no picture (its tail stays)."""
    box.text = None
    for el in list(box.iterdescendants()):
        el.tail = None
        if _tag(el) in IMG_TAGS:
            continue
        el.text = None
        if next(el.iter(*IMG_TAGS), None) is None and el.getparent() is not None:
            el.getparent().remove(el)


def _is_short_caption(el: Any, rules: CleanupRules) -> bool:
    return (
        isinstance(el.tag, str)
        and next(el.iter(*IMG_TAGS), None) is None
        and _is_caption_el(el, rules)
        and 0 < len(squash(el.text_content())) <= _MARKED_CAPTION_CHARS
    )


def _adjacent_captions(box: Any, rules: CleanupRules) -> list[Any]:
    """Caption elements right after a figure that sits among article paragraphs (a caption and
    its credit line), else the one right before it."""
    found = []
    sib = box.getnext()
    while sib is not None and _is_short_caption(sib, rules):
        found.append(sib)
        sib = sib.getnext()
    prev = box.getprevious()
    if not found and prev is not None and _is_short_caption(prev, rules):
        found.append(prev)
    return found


def _remove(el: Any) -> None:
    """Drop ``el`` but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _teaser_thumbnail(img: Any, base: str) -> bool:
    """An image inside a link to another page that also carries a headline: a related-story card.

    Its picture belongs to the other story; an image linked to its own full-size file stays.
    """
    for anc in list(img.iterancestors())[:3]:
        if anc.tag != "a":
            continue
        href = absolute_url(anc.get("href"), base) or ""
        target = urlsplit(href).path.lower()
        if not href or target.endswith((".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")):
            return False
        return len(squash(anc.text_content())) >= 15
    return False


def detach_figures(root: Any, base: str, rules: CleanupRules | None = None) -> dict[Any, Figure]:
    """Find every picture's caption and take caption text out of ``root`` (in place).

    Returns each picture element with its caption and whether it is a related-story thumbnail
    (decided before the text of its link is removed). Caption elements no picture claims (a
    video's figcaption, a credit line) leave the text too.
    """
    rules = rules or default_rules()
    figures: dict[Any, Figure] = {}
    images = [img for img in root.iter(*IMG_TAGS) if not _tiny(img)]
    teasers = {img: _teaser_thumbnail(img, base) for img in images}
    boxes: dict[Any, None] = {}  # read on the page as served, before any text leaves it
    for img in images:
        box = _figure_box(img, rules)
        boxes[box] = None
    outer = [b for b in boxes if not any(anc in boxes for anc in b.iterancestors())]
    for box in outer:
        captions = _box_captions(box, rules)
        extra = _adjacent_captions(box, rules) if len(captions) == 1 else []
        if extra:
            only = next(iter(captions))
            first = captions[only]
            own: list[str] = [first] if first else []
            captions[only] = _clean_caption(own + [el.text_content() for el in extra])
            for el in extra:
                _remove(el)
        _strip_text(box)
        for pic, caption in captions.items():
            figures[pic] = Figure(caption, teasers.get(pic, False))
    for el in list(root.iter()):
        if (
            isinstance(el.tag, str)
            and _is_caption_el(el, rules)
            and next(el.iter(*IMG_TAGS), None) is None
            and len(squash(el.text_content())) <= _MARKED_CAPTION_CHARS
        ):
            _remove(el)
    return figures


# --- collecting the article's images ------------------------------------------------------------


def _img_src(img: Any, base: str) -> str | None:
    for attr in _LAZY_ATTRS:
        value = img.get(attr)
        if value and not value.strip().startswith("data:"):
            return absolute_url(value, base)
    srcset = img.get("srcset") or img.get("data-srcset")
    if srcset:
        return absolute_url(srcset.split(",")[0].split()[0] if srcset.split() else None, base)
    return None


def _noise_image(img: Any, src: str, captioned: bool) -> bool:
    """Logos, icons, ad and share buttons, placeholders: pictures that are not the article's.

    An SVG is usually an icon, unless the page gives it a caption.
    """
    if _tiny(img):
        return True
    name = urlsplit(src).path.rsplit("/", 1)[-1]
    if "." not in name and len(name) < 8:
        return True  # "x", "1", "": placeholders and broken lazy-load markup
    words = set(_words(img)) | set(class_words(name.rsplit(".", 1)[0]))
    for anc in list(img.iterancestors())[:3]:
        words |= set(_words(anc))
    path = src.lower().split("?")[0]
    return bool(words & _IMG_NOISE) or path.endswith(".ico") or (path.endswith(".svg") and not captioned)


def collect_images(region: Any, base: str, figures: dict[Any, Figure], extra: Iterable[str]) -> list[Image]:
    """The article's pictures in page order, with captions from ``detach_figures`` (else alt text)."""
    images: dict[str, Image] = {}
    rejected: set[str] = set()
    for img in region.iter(*IMG_TAGS):
        src = _img_src(img, base)
        if not src or src in images:
            continue
        figure = figures.get(img, Figure(None, False))
        caption = figure.caption or squash(img.get("alt") or img.get("title")) or None
        if figure.teaser or _noise_image(img, src, figure.caption is not None):
            rejected.add(src)  # the extractor may have kept it: it stays out
            continue
        width = img.get("width")
        height = img.get("height")
        images[src] = Image(
            src=src,
            caption=caption,
            width=int(width) if width and width.isdigit() and len(width) < 6 else None,
            height=int(height) if height and height.isdigit() and len(height) < 6 else None,
        )
        if len(images) >= _MAX_IMAGES:
            break
    for src in extra:
        if src not in images and src not in rejected and len(images) < _MAX_IMAGES:
            images[src] = Image(src=src)
    return list(images.values())
