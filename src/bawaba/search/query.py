"""The reader's query language, parsed into analysed terms that no engine syntax can leak into.

``words`` are ANDed; ``"a phrase"``; ``-word`` or ``-"a phrase"`` excludes; ``a OR b``;
``source:slug``, ``category:slug``, ``after:YYYY-MM-DD``, ``before:YYYY-MM-DD`` filter.
Nothing a reader types raises: unbalanced quotes, lone operators, engine syntax (``*():^{}``,
NEAR) and oversized input all fall back to plain terms. Every term is an analyser output, and the
engine expressions built here quote every term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from bawaba.text.analyzer import Analyzer, default_analyzer

#: longer queries are cut: nobody types more, and FTS cost grows with the clause count
MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 24
#: alternative index terms per typed word (see ``Analyzer.variants``)
MAX_VARIANTS = 4
#: relevance search with fewer strict (AND) hits than this fills up from the OR of the terms
MIN_STRICT_HITS = 10

_LEX = re.compile(r'(-?)"([^"]*)"|(\S+)')
_FILTER = re.compile(r"(?i)^(source|category|after|before):(.+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Term:
    """One or more analysed terms; several terms form a phrase (adjacent, in order)."""

    terms: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.terms) > 1


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """AND over ``groups``, each an OR over its terms; minus ``excluded``; plus filters."""

    text: str = ""
    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    after: date | None = None
    before: date | None = None

    @property
    def has_terms(self) -> bool:
        return bool(self.groups)

    @property
    def is_empty(self) -> bool:
        return not (self.groups or self.sources or self.categories or self.after or self.before)

    def relaxed(self) -> ParsedQuery | None:
        """The same query with its groups ORed instead of ANDed, or None when that is the same.

        Relevance search falls back to it when the strict query finds too little: BM25 over the
        OR ranks documents holding more (and rarer) query terms first.
        """
        if len(self.groups) < 2:
            return None
        merged = tuple(dict.fromkeys(term for group in self.groups for term in group))
        return replace(self, groups=(merged,))

    @property
    def highlight_terms(self) -> frozenset[str]:
        """Analysed terms a snippet should mark (never the excluded ones)."""
        return frozenset(t for group in self.groups for term in group for t in term.terms)


def parse_query(text: str, analyzer: Analyzer | None = None) -> ParsedQuery:
    """Parse what a reader typed; never raises."""
    analyzer = analyzer or default_analyzer()
    text = text[:MAX_QUERY_CHARS]
    # unbalanced quotes: no phrases at all
    text_for_lex = text.replace('"', " ") if text.count('"') % 2 else text
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    sources: list[str] = []
    categories: list[str] = []
    after: date | None = None
    before: date | None = None
    pending_or = False

    def add(*terms: Term | None) -> None:
        nonlocal pending_or
        alts = [t for t in dict.fromkeys(terms) if t is not None]
        if not alts:
            return
        if pending_or and groups:
            groups[-1].extend(t for t in alts if t not in groups[-1])
        elif alts not in groups:
            groups.append(alts)
        pending_or = False

    for match in _LEX.finditer(text_for_lex):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            term = _term(analyzer, phrase)
            if negated:
                if term:
                    excluded.append(term)
                pending_or = False
            else:
                add(term)
            continue
        if word == "OR":
            pending_or = bool(groups)
            continue
        if word.startswith("-") and len(word) > 1 and word[1] != "-":
            excluded.extend(t for t in _word_terms(analyzer, word[1:]) if t and t not in excluded)
            pending_or = False
            continue
        flt = _FILTER.match(word)
        if flt:
            key, value = flt.group(1).lower(), flt.group(2).strip().lower()
            if key in ("after", "before"):
                day = _parse_date(value)
                if day is not None:
                    if key == "after":
                        after = day
                    else:
                        before = day
                    continue
            elif value:
                (sources if key == "source" else categories).append(value)
                continue
        add(*_word_terms(analyzer, word))
    return ParsedQuery(
        text=text,
        groups=tuple(tuple(g) for g in groups[:MAX_CLAUSES]),
        excluded=tuple(excluded[:MAX_CLAUSES]),
        sources=tuple(dict.fromkeys(sources)),
        categories=tuple(dict.fromkeys(categories)),
        after=after,
        before=before,
    )


def _term(analyzer: Analyzer, text: str) -> Term | None:
    terms = analyzer.analyze(text)
    return Term(tuple(terms[:MAX_CLAUSES])) if terms else None


def _word_terms(analyzer: Analyzer, word: str) -> list[Term | None]:
    """A typed word as alternatives: its analysis and the other index terms it may have."""
    own = _term(analyzer, word)
    if own is None or own.is_phrase:
        return [own]
    return [Term((t,)) for t in analyzer.variants(word)[:MAX_VARIANTS]]


def _parse_date(value: str) -> date | None:
    if not _DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# -- engine expressions ------------------------------------------------------------------------


def _fts5_term(term: Term) -> str:
    return '"' + " ".join(t.replace('"', '""') for t in term.terms) + '"'


def fts5_match(query: ParsedQuery) -> str | None:
    """An FTS5 MATCH expression, or None when the query has no positive term."""
    if not query.groups:
        return None
    parts = []
    for group in query.groups:
        alts = [_fts5_term(t) for t in group]
        parts.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    expr = " AND ".join(parts)
    for term in query.excluded:
        expr = f"({expr}) NOT {_fts5_term(term)}"
    return expr


def _pg_lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _pg_term(term: Term) -> str:
    lexemes = [_pg_lexeme(t) for t in term.terms]
    return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"


def pg_tsquery(query: ParsedQuery) -> str | None:
    """A ``to_tsquery('simple', ...)`` source, or None when the query has no positive term."""
    if not query.groups:
        return None
    parts = []
    for group in query.groups:
        alts = [_pg_term(t) for t in group]
        parts.append(alts[0] if len(alts) == 1 else "(" + " | ".join(alts) + ")")
    parts.extend("!" + _pg_term(term) for term in query.excluded)
    return " & ".join(parts)
