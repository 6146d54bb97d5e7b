"""Turn a fetched news page into an ``Extracted`` article.

trafilatura finds the main text well on unseen templates, but news pages (and the aggregators
that republish them) wrap articles in chrome it keeps, and its metadata misses Arabic
conventions. So the page is decoded by ``decode_html``, chrome is removed from the DOM first
(``clean.preclean_tree``), trafilatura extracts paragraphs as XML (structure and links kept),
the paragraphs are cleaned by the Arabic text rules, and metadata and images come from
``metadata.read_metadata`` and the article's own DOM region.
"""

from __future__ import annotations

import copy
import html as html_lib
import re
import unicodedata
from typing import Any, Literal

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from bawaba.errors import ExtractionError, NoArticleError
from bawaba.models import Extracted
from bawaba.pipeline.clean import Block, clean_blocks, preclean_tree
from bawaba.pipeline.decode import decode_html
from bawaba.pipeline.figures import EDGE_COUNTER, collect_images, detach_figures
from bawaba.pipeline.metadata import PageMeta, absolute_url, read_metadata, squash
from bawaba.pipeline.sanitize import sanitize_html

__all__ = ["MIN_TEXT_CHARS", "Favor", "extract_article"]

Favor = Literal["balanced", "precision", "recall"]

#: shorter bodies are teasers, error pages or index pages, not articles
MIN_TEXT_CHARS = 120
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ARABIC = re.compile("[\u0600-\u06ff]")
_LATIN = re.compile("[A-Za-z]")
#: languages written in Arabic script: a page declaring one of them keeps its declaration
_ARABIC_SCRIPT_LANGS = frozenset({"ar", "fa", "ur", "ps", "ckb", "ku", "sd", "ug", "arz", "ary"})
_TEASER_END = re.compile(r"(\.\.\.|…)\s*$")
_HI_TAGS = {"#b": "strong", "#i": "em", "#u": "em", "#t": "em"}


def _parse(page: str) -> Any:
    try:
        return lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError) as exc:
        raise NoArticleError(f"unparseable page: {exc}") from exc


# --- trafilatura XML -> blocks ------------------------------------------------------------------


def _inline_html(el: Any, base: str) -> str:
    """Render trafilatura's inline XML (hi, ref, lb) as HTML; text is escaped."""
    parts = [html_lib.escape(el.text or "", quote=False)]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        inner = _inline_html(child, base)
        if tag == "lb":
            parts.append("<br>")
        elif tag == "ref":
            href = absolute_url(child.get("target"), base)
            parts.append(f'<a href="{html_lib.escape(href)}">{inner}</a>' if href else inner)
        elif tag == "hi" and child.get("rend") in _HI_TAGS:
            t = _HI_TAGS[child.get("rend")]
            parts.append(f"<{t}>{inner}</{t}>")
        else:
            parts.append(inner)
        parts.append(html_lib.escape(child.tail or "", quote=False))
    return "".join(parts)


def _text(el: Any) -> str:
    return squash(" ".join(el.itertext()))


def _link_chars(el: Any) -> int:
    return sum(len(squash(" ".join(r.itertext()))) for r in el.iter("ref"))


def _split_at_breaks(el: Any) -> list[Any]:
    """Split a paragraph at its line breaks: many Arabic CMSs write whole articles as one block
    of text separated by <br>, and each piece must be judged (and kept) as its own paragraph."""
    if el.find("lb") is None:
        return [el]
    parts = [etree.Element("p")]
    parts[0].text = el.text
    for child in el:
        if child.tag == "lb":
            parts.append(etree.Element("p"))
            parts[-1].text = child.tail
            continue
        clone = copy.deepcopy(child)
        parts[-1].append(clone)
    return parts


def _blocks_from_xml(xml: str, base: str) -> list[Block]:
    try:
        root = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise ExtractionError(f"unreadable extractor output: {exc}") from exc
    main = root.find("main")
    if main is None:
        return []
    blocks: list[Block] = []
    _collect_blocks(main, base, blocks)
    return blocks


def _collect_blocks(container: Any, base: str, blocks: list[Block]) -> None:
    for el in container:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in {"div", "section", "main", "article"}:
            _collect_blocks(el, base, blocks)
        elif tag == "p":
            for part in _split_at_breaks(el):
                if _text(part):
                    blocks.append(
                        Block("p", _text(part), f"<p>{_inline_html(part, base)}</p>", _link_chars(part))
                    )
        elif tag == "head":
            level = {"h1": "h2", "h2": "h2", "h3": "h3"}.get(el.get("rend") or "", "h4")
            blocks.append(
                Block("h", _text(el), f"<{level}>{_inline_html(el, base)}</{level}>", _link_chars(el))
            )
        elif tag == "quote":
            blocks.append(
                Block(
                    "quote", _text(el), f"<blockquote>{_inline_html(el, base)}</blockquote>", _link_chars(el)
                )
            )
        elif tag == "list":
            tag_name = "ol" if (el.get("rend") or "").startswith("ol") else "ul"
            for item in el.iter("item"):
                blocks.append(
                    Block(
                        "li",
                        _text(item),
                        f"<{tag_name}><li>{_inline_html(item, base)}</li></{tag_name}>",
                        _link_chars(item),
                    )
                )
        elif tag == "table":
            rows = []
            texts = []
            for row in el.iter("row"):
                cells = [_inline_html(c, base) for c in row.iter("cell")]
                texts.append(" | ".join(_text(c) for c in row.iter("cell")))
                rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            blocks.append(
                Block(
                    "table",
                    "\n".join(t for t in texts if t),
                    f"<table>{''.join(rows)}</table>",
                    _link_chars(el),
                )
            )
        elif tag == "graphic":
            src = absolute_url(el.get("src"), base)
            if src:
                blocks.append(Block("img", "", src))


def _run_trafilatura(tree: Any, url: str, *, precision: bool, recall: bool) -> str | None:
    try:
        result: str | None = trafilatura.extract(
            copy.deepcopy(tree),
            url=url,
            output_format="xml",
            include_images=True,
            include_links=True,
            include_formatting=True,
            include_tables=True,
            include_comments=False,
            favor_precision=precision,
            favor_recall=recall,
            deduplicate=False,
            with_metadata=False,
        )
    except (ValueError, TypeError, AttributeError, etree.LxmlError) as exc:
        raise ExtractionError(f"extractor failed: {exc}") from exc
    return result


# --- the article region -----------------------------------------------------------------------


def _common_ancestor(elements: list[Any]) -> Any | None:
    if not elements:
        return None
    chains = [[e, *e.iterancestors()] for e in elements]
    first = chains[0]
    others = [set(map(id, c)) for c in chains[1:]]
    for el in first:
        if all(id(el) in o for o in others):
            return el
    return None


def _article_region(tree: Any, blocks: list[Block], title: str | None) -> Any:
    """The smallest element holding the kept paragraphs and the headline: where article images live."""
    wanted = {b.text[:60] for b in blocks if b.kind == "p" and len(b.text) > 40}
    anchors = []
    for p in tree.iter("p", "div", "td", "section"):
        text = squash(p.text_content())
        if text[:60] in wanted and len(text) < 5000:
            anchors.append(p)
            wanted.discard(text[:60])
        if len(anchors) >= 3:
            break
    if title:
        h1 = next((h for h in tree.iter("h1", "h2") if squash(h.text_content()) == title), None)
        if h1 is not None:
            anchors.append(h1)
    region = _common_ancestor(anchors)
    body = tree.find("body")
    return region if region is not None else (body if body is not None else tree)


# --- assembly -----------------------------------------------------------------------------------


def _render_html(blocks: list[Block]) -> str:
    """The sanitised body without its pictures.

    Every picture of the body is already in ``Extracted.images`` (in page order, with its
    caption), which the portal shows as the article's gallery; keeping ``<figure>``s here too
    showed each picture twice (measured on the saved pages: every body image was also in
    ``images``).
    """
    return sanitize_html("\n".join(b.html for b in blocks if b.kind != "img"))


def _merge_lists(html: str) -> str:
    return re.sub(r"</(ul|ol)>\s*<\1>", "", html)


def _language(meta: PageMeta, text: str) -> str | None:
    """The page's declared language when the body's script agrees with it, else the script's.

    Maghrebi and Gulf sites often serve an Arabic article in a French or English page shell
    (``<html lang="fr">``); the article's language is what the body is written in.
    """
    arabic = len(_ARABIC.findall(text))
    latin = len(_LATIN.findall(text))
    if arabic + latin == 0:
        return meta.language
    declared_arabic_script = meta.language in _ARABIC_SCRIPT_LANGS
    if arabic >= latin:
        return meta.language if declared_arabic_script else "ar"
    return None if declared_arabic_script else meta.language


def _looks_like_index(tree: Any, blocks: list[Block]) -> bool:
    """A listing of teasers: many linked headlines and no paragraph an article would have."""
    linked_heads = sum(1 for h in tree.iter("h2", "h3", "h4", "h5") if next(h.iter("a"), None) is not None)
    if linked_heads < 5:
        return False
    paras = [b for b in blocks if b.kind == "p"]
    long_paras = sum(1 for b in paras if len(b.text) >= 200 and not _TEASER_END.search(b.text))
    teasers = sum(1 for b in paras if _TEASER_END.search(b.text))
    return long_paras < 2 or teasers * 2 >= len(paras)


def _to_text(page: str | bytes, content_type: str | None) -> str:
    if isinstance(page, bytes | bytearray):
        text = decode_html(bytes(page), content_type)
    elif isinstance(page, str):
        text = unicodedata.normalize("NFC", page)
    else:
        raise ExtractionError(f"page must be str or bytes, not {type(page).__name__}")
    return _INVALID_XML.sub("", text)


def extract_article(
    page: str | bytes, url: str, *, content_type: str | None = None, favor: Favor = "balanced"
) -> Extracted:
    """Extract the article of a news page; raise ``NoArticleError`` when it holds none.

    ``favor`` picks trafilatura's precision/recall trade-off; "balanced" scored best on our
    saved pages (bench/extract_quality.py) because the Arabic rules already remove chrome.
    """
    text_page = _to_text(page, content_type)
    if not text_page.strip() or ("<" not in text_page and len(text_page.strip()) < MIN_TEXT_CHARS):
        raise NoArticleError("empty page")
    tree = _parse(text_page)
    meta = read_metadata(tree, url)
    work = copy.deepcopy(tree)
    preclean_tree(work)
    figures = detach_figures(work, url)

    xml = _run_trafilatura(work, url, precision=favor == "precision", recall=favor == "recall")
    blocks = _blocks_from_xml(xml, url) if xml else []
    if sum(len(b.text) for b in blocks) < MIN_TEXT_CHARS:
        xml = _run_trafilatura(work, url, precision=False, recall=True)
        blocks = _blocks_from_xml(xml, url) if xml else []

    title = meta.title
    region = _article_region(work, blocks, title)
    images = collect_images(region, url, figures, (b.html for b in blocks if b.kind == "img"))
    captions = {squash(i.caption) for i in images if i.caption}
    heading = title or next((b.text for b in blocks if b.kind == "h"), None)
    blocks = [
        b
        for b in blocks
        if b.kind == "img" or (squash(EDGE_COUNTER.sub("", b.text)) not in captions and b.text != heading)
    ]
    blocks = clean_blocks(blocks)

    text_blocks = [b for b in blocks if b.kind != "img"]
    if not meta.is_article and _looks_like_index(work, text_blocks):
        raise NoArticleError("an index page: many linked headlines, only teasers")
    body = unicodedata.normalize("NFC", "\n\n".join(b.text for b in text_blocks))
    if len(body) < MIN_TEXT_CHARS:
        raise NoArticleError("no article text on the page")
    if not title:
        title = squash(body.split("\n", 1)[0])[:120]

    lead = meta.lead_image or (images[0].src if images else None)
    return Extracted(
        url=url,
        canonical_url=meta.canonical_url or url,
        title=unicodedata.normalize("NFC", title),
        text=body,
        html=_merge_lists(_render_html(blocks)),
        author=meta.author,
        published_at=meta.published_at,
        lead_image=lead,
        images=tuple(images),
        section=meta.section,
        tags=meta.tags,
        language=_language(meta, body),
    )
