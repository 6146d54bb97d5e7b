"""The query language: operators, filters, and malformed input that must never raise."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bawaba.search.query import Term, fts5_match, parse_query, pg_tsquery
from bawaba.search.snippet import highlight, snippet
from bawaba.text.analyzer import analyze


def t(word: str) -> Term:
    return Term(tuple(analyze(word)))


def test_terms_are_anded_and_analysed() -> None:
    q = parse_query("بالمدرسة والقاهرة")
    assert q.groups == ((t("مدرسة"),), (t("القاهرة"),))
    assert fts5_match(q) == f'"{analyze("مدرسة")[0]}" AND "{analyze("القاهرة")[0]}"'


def test_phrase_or_exclusion_and_filters() -> None:
    q = parse_query(
        '"الأمم المتحدة" غزة OR رفح -الضفة -"مجلس الأمن" source:Nile category:politics '
        "after:2024-01-02 before:2024-02-01"
    )
    assert q.groups[0] == (Term(tuple(analyze("الأمم المتحدة"))),)
    assert q.groups[0][0].is_phrase
    assert q.groups[1] == (t("غزة"), t("رفح"))
    assert q.excluded == (t("الضفة"), Term(tuple(analyze("مجلس الأمن"))))
    assert q.sources == ("nile",) and q.categories == ("politics",)
    assert (q.after, q.before) == (date(2024, 1, 2), date(2024, 2, 1))
    assert "<->" in (pg_tsquery(q) or "") and "!" in (pg_tsquery(q) or "")
    assert " NOT " in (fts5_match(q) or "")


@pytest.mark.parametrize(
    "text",
    [
        '"غزة رفح',
        "OR",
        "- OR -",
        "غزة OR",
        "OR غزة",
        "NEAR(غزة رفح)",
        "غزة* ^رفح {col}: (a OR",
        'a" AND "b',
        "after:2024-13-45 before:yesterday",
        "source: category:",
        "\x00\ufeff\u200f",
        "غزة " * 5000,
    ],
)
def test_malformed_queries_fall_back_to_plain_terms(text: str) -> None:
    q = parse_query(text)
    expr = fts5_match(q)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(title, body, tokenize='ascii')")
    db.execute("INSERT INTO f VALUES ('غزه رفح', 'after 2024')")
    if expr:
        db.execute("SELECT rowid FROM f WHERE f MATCH ?", (expr,)).fetchall()


def test_invalid_date_becomes_terms() -> None:
    q = parse_query("after:2024-13-45")
    assert q.after is None and q.has_terms


def test_only_exclusions_or_stop_words_have_no_terms() -> None:
    assert not parse_query("-غزة").has_terms
    assert parse_query("في من على").is_empty
    assert fts5_match(parse_query("-غزة")) is None


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_text_parses_to_valid_fts5(text: str) -> None:
    expr = fts5_match(parse_query(text))
    if expr is not None:
        db = sqlite3.connect(":memory:")
        db.execute("CREATE VIRTUAL TABLE f USING fts5(title, body, tokenize='ascii')")
        db.execute("SELECT rowid FROM f WHERE f MATCH ?", (expr,)).fetchall()


def test_snippet_marks_variants_and_escapes_everything_else() -> None:
    text = "قال <b>مسؤول</b> إن المدرسة الجديدة & الملعب بالقاهرة سيفتتحان غدا. " * 3
    out = snippet(text, parse_query("مدرسة القاهرة").highlight_terms, words=12)
    assert "<mark>المدرسة</mark>" in out and "<mark>بالقاهرة</mark>" in out
    assert "<b>" not in out and "&lt;b&gt;" in out and "&amp;" in out
    assert out.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_snippet_picks_densest_window_and_highlight_title() -> None:
    filler = " ".join(["كلام"] * 80)
    text = f"{filler} الانتخابات البرلمانية في تونس {filler}"
    out = snippet(text, parse_query("انتخابات تونس").highlight_terms, words=20)
    assert out.startswith("…") and "<mark>تونس</mark>" in out
    assert highlight("<تونس>", parse_query("تونس").highlight_terms) == "&lt;<mark>تونس</mark>&gt;"
    assert snippet("", frozenset()) == ""
