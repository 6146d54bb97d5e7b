"""Snippets: the passage of an article that holds the most query terms, as safe HTML.

Matching goes through the analyser, so the reader sees ``<mark>`` on every surface form of a
term (المدرسة, بالمدرسة, مدارس is not one of them). Everything that is not a mark tag is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection

from bawaba.text.analyzer import Analyzer, default_analyzer

#: a word of the original text, harakat and tatweel included so offsets stay in the original
_WORD = re.compile(r"(?:[^\W_]|[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed])+")
#: only the head of very long texts is scanned: snippets are for result lists
MAX_SCAN_CHARS = 20_000


def snippet(
    text: str,
    terms: Collection[str],
    *,
    words: int = 30,
    analyzer: Analyzer | None = None,
) -> str:
    """About ``words`` words of ``text`` around the densest run of ``terms``, marked and escaped."""
    analyzer = analyzer or default_analyzer()
    text = text[:MAX_SCAN_CHARS]
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not spans:
        return html.escape(text[: words * 8].strip())
    hits = [i for i, (a, b) in enumerate(spans) if _matches(analyzer, text[a:b], terms)]
    start = _best_window(hits, words)
    start = max(0, start - min(5, words // 4))
    end = min(len(spans), start + words)
    hit_set = set(hits)
    out: list[str] = ["…"] if start > 0 else []
    cursor = spans[start][0]
    for i in range(start, end):
        a, b = spans[i]
        out.append(html.escape(text[cursor:a]))
        word = html.escape(text[a:b])
        out.append(f"<mark>{word}</mark>" if i in hit_set else word)
        cursor = b
    if end < len(spans):
        out.append(" …")
    elif cursor < len(text):
        out.append(html.escape(text[cursor:].rstrip()))
    return "".join(out).strip()


def highlight(text: str, terms: Collection[str], *, analyzer: Analyzer | None = None) -> str:
    """The whole of a short text (a title) with matching words marked, escaped."""
    analyzer = analyzer or default_analyzer()
    out: list[str] = []
    cursor = 0
    for m in _WORD.finditer(text):
        out.append(html.escape(text[cursor : m.start()]))
        word = html.escape(m.group())
        out.append(f"<mark>{word}</mark>" if _matches(analyzer, m.group(), terms) else word)
        cursor = m.end()
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def _matches(analyzer: Analyzer, word: str, terms: Collection[str]) -> bool:
    return bool(terms) and any(t in terms for t in analyzer.analyze(word))


def _best_window(hits: list[int], words: int) -> int:
    """Index of the first hit of the window of ``words`` words holding the most hits."""
    if not hits:
        return 0
    best_start, best_count, j = hits[0], 0, 0
    for i, first in enumerate(hits):
        while j < len(hits) and hits[j] < first + words:
            j += 1
        if j - i > best_count:
            best_start, best_count = first, j - i
    return best_start
