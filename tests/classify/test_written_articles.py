"""The project's own written training articles (data/training/written.jsonl) and ``--written``."""

from __future__ import annotations

import json
from collections import Counter
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bawaba.cli import app
from bawaba.commands.classify import WRITTEN_ARTICLES, shipped_recipe, written_labelled
from bawaba.pipeline.classify import load_model

from .test_classifier import SNIPPETS

FIVE = {"culture", "economy", "politics", "sports", "technology"}


def _records() -> list[dict[str, object]]:
    text = files("bawaba").joinpath(WRITTEN_ARTICLES).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_file_is_sorted_balanced_and_distinct() -> None:
    records = _records()
    assert all(set(r) == {"category", "voice", "title", "text"} for r in records)
    keys = [(str(r["category"]), str(r["title"])) for r in records]
    assert keys == sorted(keys)  # sorted data file: a change shows as a small diff
    counts = Counter(str(r["category"]) for r in records)
    assert set(counts) == FIVE
    assert max(counts.values()) - min(counts.values()) <= 2
    assert len({r["title"] for r in records}) == len({r["text"] for r in records}) == len(records)
    assert len({r["voice"] for r in records}) >= 10  # many outlet voices, not one house style
    for r in records:
        words = len(str(r["text"]).split())
        assert 40 <= words <= 400, r["title"]


def test_written_labelled_reads_every_article_as_a_slug() -> None:
    docs, labels = written_labelled()
    assert len(docs) == len(labels) == len(_records()) > 800
    assert set(labels) == FIVE
    assert all(title and text for title, text in docs)


def test_shipped_model_files_them_as_labelled() -> None:
    """The shipped model was trained on them: it should agree with nearly all their labels."""
    from bawaba.pipeline.classify import classify_many

    docs, labels = written_labelled()
    answers = classify_many([{"title": t, "text": x} for t, x in docs], load_model(), abstain=False)
    agree = sum(a.category == label for a, label in zip(answers, labels, strict=True)) / len(labels)
    assert agree >= 0.95


def test_recipe_adds_them_as_one_unlifted_group(monkeypatch: pytest.MonkeyPatch) -> None:
    import bawaba.commands.classify as commands

    seen: dict[str, list[str]] = {}

    def fake_train(docs: list[tuple[str, str]], labels: list[str], *, groups: list[str] | None, **_: object) -> str:
        seen["groups"], seen["labels"] = list(groups or []), list(labels)
        return "model"

    monkeypatch.setattr(commands, "train_model", fake_train)
    docs = [SNIPPETS["sports"], SNIPPETS["economy"]]
    assert shipped_recipe(docs, ["sports", "economy"], ["a", "a"], demo=False) == "model"
    written = seen["groups"].count("written")
    assert written == len(written_labelled()[0]) and seen["groups"][:2] == ["a", "a"]
    shipped_recipe(docs, ["sports", "economy"], ["a", "b"], demo=False, written=False)
    assert "written" not in seen["groups"]


def test_train_on_written_articles_alone(tmp_path: Path) -> None:
    out = tmp_path / "written.npz"
    result = CliRunner().invoke(app, ["classify", "train", "--written", "--out", str(out)])
    assert result.exit_code == 0, result.output
    model = load_model(out)
    assert set(model.classes) == FIVE
    probs = model.predict_proba([SNIPPETS["sports"], SNIPPETS["economy"]])
    assert [model.classes[i] for i in probs.argmax(axis=1)] == ["sports", "economy"]
