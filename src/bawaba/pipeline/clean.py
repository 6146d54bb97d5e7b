"""Remove what news sites and republishing aggregators wrap around an article.

Arabic news pages share a vocabulary of chrome (share bars, "اقرأ أيضا" link blocks, gallery
counters, republisher disclaimers, copyright and "تابعونا على" lines, reader comments) that
general extractors keep because it sits inside the article container. The rules live in
``data/cleanup/*.yaml`` so they can grow without code changes; they are applied twice:
on the DOM by class/id words before extraction, and on extracted paragraphs by Arabic text
patterns (matched after orthographic normalisation, so spelling variants need no extra rules)
plus a link-density test that recognises link lists on templates no rule has seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from lxml import html as lxml_html

from bawaba.errors import ConfigError
from bawaba.pipeline.sanitize import sanitize_html
from bawaba.text.normalize import normalize

__all__ = [
    "Block",
    "CleanupRules",
    "TextRule",
    "class_words",
    "clean_blocks",
    "contains_words",
    "default_rules",
    "is_linky",
    "load_rules",
    "preclean_tree",
    "sanitize_html",
    "unwrap_layout_tables",
]

_WORD_SPLIT = re.compile(r"[\s_\-:./]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SENTENCE_END = re.compile(r"[.!?؟!…]\s*[»\"')]?$")
_STRUCTURAL = frozenset({"html", "body", "main", "article"})
#: a count after a section heading: "(4)", "[12]", "4"
_COUNT_SUFFIX = re.compile(r"\s*[(\[]?\s*\d+\s*[)\]]?\s*[:：]?$")
#: paragraph characters before a counted heading that make it a section heading, not a counter
_COUNTED_HEADING_AFTER = 400
_TEASER_TAGS = frozenset({"div", "li", "article", "section"})
_TEASER_MAX_CHARS = 320


@dataclass(frozen=True, slots=True)
class TextRule:
    name: str
    pattern: re.Pattern[str]
    max_chars: int | None = None

    def matches(self, folded: str) -> bool:
        if self.max_chars is not None and len(folded) > self.max_chars:
            return False
        return self.pattern.search(folded) is not None


@dataclass(frozen=True, slots=True)
class CleanupRules:
    chrome_words: tuple[tuple[str, ...], ...]
    always_words: tuple[tuple[str, ...], ...]
    embed_classes: frozenset[str]
    drop_tags: frozenset[str]
    drop: tuple[TextRule, ...]
    block: tuple[TextRule, ...]
    truncate: tuple[TextRule, ...]
    caption_words: tuple[tuple[str, ...], ...] = ()
    gallery_words: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Block:
    """One extracted unit of the article body: a paragraph, heading, list item, quote, table or image."""

    kind: str  # p | h | li | quote | table | img
    text: str
    html: str
    link_chars: int = 0


def _text_rules(items: Any, where: str) -> tuple[TextRule, ...]:
    rules = []
    for item in items or ():
        try:
            rules.append(
                TextRule(
                    name=str(item["name"]),
                    pattern=re.compile(str(item["pattern"])),
                    max_chars=int(item["max_chars"]) if item.get("max_chars") is not None else None,
                )
            )
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise ConfigError(f"bad cleanup rule in {where}: {item!r}: {exc}") from exc
    return tuple(rules)


def _word_seqs(items: Any) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(x).lower().split()) for x in items or ())


def load_rules(directory: Path | None = None) -> CleanupRules:
    """Read ``dom.yaml`` and ``text.yaml`` from a directory (default: the shipped rules)."""
    try:
        if directory is None:
            base = resources.files("bawaba").joinpath("data", "cleanup")
            dom = yaml.safe_load(base.joinpath("dom.yaml").read_text(encoding="utf-8")) or {}
            text = yaml.safe_load(base.joinpath("text.yaml").read_text(encoding="utf-8")) or {}
        else:
            dom = yaml.safe_load((directory / "dom.yaml").read_text(encoding="utf-8")) or {}
            text = yaml.safe_load((directory / "text.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read cleanup rules: {exc}") from exc
    return CleanupRules(
        chrome_words=_word_seqs(dom.get("chrome_words")),
        always_words=_word_seqs(dom.get("always_words")),
        embed_classes=frozenset(str(x).lower() for x in dom.get("embed_classes") or ()),
        drop_tags=frozenset(str(x).lower() for x in dom.get("drop_tags") or ()),
        drop=_text_rules(text.get("drop"), "text.yaml:drop"),
        block=_text_rules(text.get("block"), "text.yaml:block"),
        truncate=_text_rules(text.get("truncate"), "text.yaml:truncate"),
        caption_words=_word_seqs(dom.get("caption_words")),
        gallery_words=_word_seqs(dom.get("gallery_words")),
    )


@cache
def default_rules() -> CleanupRules:
    """The shipped rules, parsed once (immutable)."""
    return load_rules()


# --- DOM pre-cleaning -------------------------------------------------------------------------


def class_words(value: str) -> list[str]:
    """Split a class or id value into lower-case words ("shareBar-top" -> share, bar, top)."""
    return list(_split_class(value)) if value else []


@lru_cache(maxsize=8192)
def _split_class(value: str) -> tuple[str, ...]:
    """Memoised: a site's templates repeat a few hundred class names on every page."""
    return tuple(w.lower() for w in _WORD_SPLIT.split(_CAMEL.sub(" ", value)) if w)


def contains_words(words: Sequence[str], seqs: Iterable[tuple[str, ...]]) -> bool:
    """Whether one of the word sequences ``seqs`` occurs, as consecutive words, in ``words``."""
    present = set(words)
    for seq in seqs:
        n = len(seq)
        if n == 0:
            return True
        if seq[0] not in present:
            continue  # the common case: a rule's first word is not on the element at all
        if n == 1:
            return True
        for i in range(len(words) - n + 1):
            if words[i] == seq[0] and tuple(words[i : i + n]) == seq:
                return True
    return False


def _para_chars(el: Any) -> int:
    return sum(len(p.text_content()) for p in el.iter("p"))


def _is_layout_table(table: Any) -> bool:
    for cell in table.iter("td", "th"):
        if any(True for _ in cell.iter("p", "table", "h1", "h2", "div")) or len(cell.text_content()) > 400:
            return True
    return False


def unwrap_layout_tables(root: Any) -> int:
    """Turn tables used for page layout (old Arabic CMS templates) into divs.

    Extractors treat tables as data and flatten a whole layout cell into one "cell" paragraph;
    as divs, the paragraphs inside stay paragraphs.
    """
    tables = [t for t in root.iter("table") if _is_layout_table(t)]
    for table in tables:
        for el in [table, *table.iter("tbody", "thead", "tfoot", "tr", "td", "th")]:
            el.tag = "div"
            for attr in ("colspan", "rowspan", "valign", "align", "width"):
                el.attrib.pop(attr, None)
    return len(tables)


def truncates(folded: str, rules: CleanupRules, text_before: int, text_total: int) -> bool:
    """Whether a folded heading ends the article: a truncate rule matches it as it is, or with
    its trailing count removed when a good part of the page's text comes before it (a comments
    heading with a count after the article, not a comment counter under the headline; the
    comments themselves may outweigh the article, so "half the page" alone is too strict)."""
    if _any(rules.truncate, folded):
        return True
    bare = _COUNT_SUFFIX.sub("", folded)
    late = text_before >= min(text_total / 2, _COUNTED_HEADING_AFTER)
    return bare != folded and late and _any(rules.truncate, bare) is not None


def _text_before(root: Any) -> dict[Any, int]:
    """Paragraph characters that precede each element in document order."""
    seen = 0
    before: dict[Any, int] = {}
    for el in root.iter():
        before[el] = seen
        if el.tag == "p":
            seen += len(el.text_content())
    return before


def _trailing_sections(root: Any, rules: CleanupRules, total: int) -> list[Any]:
    """Sections opened by a "reader comments" / "tags" heading, found by their words, not markup.

    The smallest ancestor that holds the heading and little of the page's paragraph text is the
    section; without one, the heading and the siblings after it go.
    """
    found: list[Any] = []
    before = _text_before(root)
    for el in root.iter("h2", "h3", "h4", "h5", "h6", "strong", "b", "span", "div", "p", "legend"):
        text = el.text_content()
        if not text or len(text) > 60 or (any(True for _ in el.iter("p", "li", "ul")) and el.tag == "div"):
            continue
        folded = normalize(text).strip()
        if not truncates(folded, rules, before.get(el, 0), total):
            continue
        section = el
        parent = el.getparent()
        while parent is not None and parent.tag not in _STRUCTURAL:
            chars = _para_chars(parent)
            if chars * 2 > total and chars >= 200:
                break
            section, parent = parent, parent.getparent()
        if section is el:
            found.extend([el, *el.itersiblings()])
        else:
            found.append(section)
    return found


def _linked_headline(item: Any) -> bool:
    """Whether ``item`` holds a heading that is all link text: a teaser's headline."""
    for head in item.iter("h2", "h3", "h4", "h5", "h6"):
        text = len(head.text_content().strip())
        linked = sum(len(a.text_content().strip()) for a in head.iter("a"))
        if text >= 15 and linked >= 0.8 * text:
            return True
    return False


def _teaser_items(root: Any) -> list[Any]:
    """Repeated "linked headline + short summary" items: a list of other stories, by structure.

    Sidebars and "from the same section" lists that carry a summary under each headline look
    like article paragraphs to an extractor; two or more sibling items each made of a heading
    that is all link and under ~320 characters of other text are that list, whatever their
    class names. An article body never repeats linked headings over its own paragraphs.
    """
    found: list[Any] = []
    for parent in root.iter("div", "section", "ul", "ol", "aside"):
        items = []
        for child in parent:
            if not isinstance(child.tag, str) or child.tag not in _TEASER_TAGS:
                continue
            if not _linked_headline(child):
                continue
            unlinked = len(child.text_content().strip()) - sum(
                len(a.text_content().strip()) for a in child.iter("a")
            )
            if unlinked <= _TEASER_MAX_CHARS:
                items.append(child)
        if len(items) >= 2:
            found.extend(items)
    return found


def preclean_tree(root: Any, rules: CleanupRules | None = None) -> int:
    """Remove chrome elements from an lxml HTML tree in place; return how many were removed.

    An element matched only by a general chrome word is kept when it holds more than half of
    the page's paragraph text: a template that calls its article body "post-share-ready"
    must not lose the article.
    """
    rules = rules or default_rules()
    unwrap_layout_tables(root)
    total = max(_para_chars(root), 1)
    doomed = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:
            doomed.append(el)  # comments, processing instructions
            continue
        tag = tag.lower()
        if tag in _STRUCTURAL:
            continue
        if tag in rules.drop_tags:
            doomed.append(el)
            continue
        raw_class = el.get("class") or ""
        if rules.embed_classes.intersection(raw_class.lower().split()):
            doomed.append(el)
            continue
        words = class_words(raw_class) + class_words(el.get("id") or "")
        if not words:
            continue
        if contains_words(words, rules.always_words):
            doomed.append(el)
        elif contains_words(words, rules.chrome_words):
            chars = _para_chars(el)
            if chars * 2 <= total or chars < 200:
                doomed.append(el)
    doomed.extend(_trailing_sections(root, rules, total))
    doomed.extend(_teaser_items(root))
    removed = 0
    for el in doomed:
        parent = el.getparent()
        if parent is None:
            continue
        if any(anc in doomed for anc in el.iterancestors()):
            continue
        el.drop_tree() if isinstance(el, lxml_html.HtmlElement) else parent.remove(el)
        removed += 1
    return removed


# --- text post-cleaning -----------------------------------------------------------------------


def is_linky(block: Block, folded: str | None = None) -> bool:
    """A short paragraph that is mostly link text is navigation, whatever its words."""
    n = len(block.text.strip())
    if n == 0 or block.link_chars == 0:
        return False
    ratio = block.link_chars / n
    return (ratio >= 0.5 and n < 160) or ratio >= 0.85


def _any(rules: Iterable[TextRule], folded: str) -> str | None:
    for rule in rules:
        if rule.matches(folded):
            return rule.name
    return None


def clean_blocks(blocks: Sequence[Block], rules: CleanupRules | None = None) -> list[Block]:
    """Drop chrome paragraphs, link blocks opened by a "read also" heading, and trailing sections."""
    rules = rules or default_rules()
    out: list[Block] = []
    in_block = False
    total = sum(len(b.text) for b in blocks)
    before = 0
    for block in blocks:
        before += len(block.text)
        if block.kind == "img":
            out.append(block)
            continue
        folded = normalize(block.text).strip()
        if not folded:
            continue
        kept_text = any(b.kind != "img" for b in out)
        if kept_text and truncates(folded, rules, before - len(block.text), total):
            break
        if _any(rules.block, folded):
            in_block = True
            continue
        if in_block:
            if (
                is_linky(block)
                or block.kind in {"li", "h"}
                or (len(folded) < 90 and not _SENTENCE_END.search(folded))
            ):
                continue
            in_block = False
        if _any(rules.drop, folded) or is_linky(block):
            continue
        out.append(block)
    return out
