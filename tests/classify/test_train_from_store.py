"""``bawaba classify train --from-store``: an operator's sectioned articles as training data."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bawaba.cli import app
from bawaba.commands.classify import store_labelled
from bawaba.errors import ModelError
from bawaba.models import Article, Source
from bawaba.pipeline.classify import load_model
from bawaba.store import open_store

from .test_classifier import SNIPPETS

SECTION = {"sports": "رياضة", "economy": "اقتصاد", "technology": "تكنولوجيا", "culture": "ثقافة", "politics": "سياسة"}


def _article(source_id: int, key: str, title: str, text: str, section: str | None) -> Article:
    url = f"http://127.0.0.1/{source_id}/{key}"
    return Article(url=url, canonical_url=url, source_id=source_id, title=title, text=text, section=section)


def _fill(sqlite_url: str) -> dict[str, int]:
    """Two sources filing the snippets under their sections (one under its own section names),
    plus articles that must not become training data."""
    store = open_store(sqlite_url)
    try:
        plain = store.add_source(Source(slug="akhbar", name="أخبار", homepage="http://127.0.0.1/"))
        own = store.add_source(Source(slug="bawaba-sharq", name="الشرق", homepage="http://127.0.0.2/",
                                      section_map={"ملاعب الشرق": "sports"}))
        assert plain.id is not None and own.id is not None
        kept = 0
        for label, (title, text) in SNIPPETS.items():
            words = text.split()
            for i in range(8):
                body = " ".join(words[i:])
                store.upsert_article(_article(plain.id, f"{label}-{i}", title, body, SECTION[label]))
                section = "ملاعب الشرق" if label == "sports" else SECTION[label]
                store.upsert_article(_article(own.id, f"{label}-{i}", title, body + " الشرق", section))
                kept += 2
        title, text = SNIPPETS["economy"]
        # no topic in these: a place section, misc, no section at all, and an empty body
        store.upsert_article(_article(plain.id, "place", title, text + " مصر", "عربي ودولي"))
        store.upsert_article(_article(plain.id, "misc", title, text + " منوعات", "منوعات"))
        store.upsert_article(_article(plain.id, "none", title, text + " بلا قسم", None))
        store.upsert_article(_article(plain.id, "empty", title, " ", "اقتصاد"))
        # the same text twice counts once; a story's duplicate not at all
        store.upsert_article(_article(own.id, "again", title, text + " الشرق", "اقتصاد"))
        original = store.upsert_article(_article(plain.id, "orig", "عنوان آخر", text + " نسخة", "اقتصاد"))
        kept += 1
        copy = store.upsert_article(_article(own.id, "copy", "عنوان ثالث", text + " نسخة ثانية", "اقتصاد"))
        assert original.id is not None and copy.id is not None
        store.update_article_fields(copy.id, duplicate_of=original.id)
    finally:
        store.close()
    return {"kept": kept}


def test_store_labelled_takes_topical_sections_only(sqlite_url: str) -> None:
    expected = _fill(sqlite_url)
    store = open_store(sqlite_url)
    try:
        docs, labels, groups = store_labelled(store)
    finally:
        store.close()
    assert len(docs) == len(labels) == len(groups) == expected["kept"]
    assert len(set(docs)) == len(docs)
    assert set(labels) == set(SNIPPETS)
    assert set(groups) == {"store:akhbar", "store:bawaba-sharq"}
    # the source's own section name was honoured
    assert sum(1 for lab, g in zip(labels, groups, strict=True) if lab == "sports" and g == "store:bawaba-sharq") == 8
    assert not any(text.endswith((" مصر", " منوعات", " بلا قسم", "نسخة ثانية")) for _, text in docs)


def test_train_from_store_cli(sqlite_url: str, tmp_path: Path) -> None:
    _fill(sqlite_url)
    out = tmp_path / "store-model.npz"
    result = CliRunner().invoke(app, ["classify", "train", "--from-store", "--db", sqlite_url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    model = load_model(out)
    assert set(model.classes) == set(SNIPPETS)
    for label, (title, text) in SNIPPETS.items():
        probs = model.predict_proba([(title, text)])[0]
        assert model.classes[int(probs.argmax())] == label


def test_train_needs_some_data(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["classify", "train", "--out", str(tmp_path / "m.npz")])
    assert result.exit_code != 0
    assert "--from-store" in result.output


def test_trained_model_is_what_ingest_and_classify_use(sqlite_url: str, tmp_path: Path) -> None:
    """The ``classifier_model`` setting (BAWABA_CLASSIFIER_MODEL) puts an operator's model behind
    ingest (the enricher), ``bawaba classify`` and ``recategorize``."""
    import json

    from bawaba.pipeline.enrich import build_enricher

    _fill(sqlite_url)
    out = tmp_path / "store-model.npz"
    runner = CliRunner()
    assert runner.invoke(app, ["classify", "train", "--from-store", "--db", sqlite_url, "--out", str(out)]).exit_code == 0
    store = open_store(sqlite_url)
    try:
        assert build_enricher(store, 72, str(out)).model.classes == load_model(out).classes
        assert build_enricher(store, 72, "").model.classes == load_model().classes  # empty: the shipped one
    finally:
        store.close()
    lines = "".join(json.dumps({"title": t, "text": x}, ensure_ascii=False) + "\n" for t, x in SNIPPETS.values())
    env = {"BAWABA_CLASSIFIER_MODEL": str(out)}
    result = runner.invoke(app, ["classify", "--no-adapt"], input=lines, env=env)
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["category"] for line in result.stdout.splitlines()] == list(SNIPPETS)
    missing = runner.invoke(app, ["classify"], input=lines, env={"BAWABA_CLASSIFIER_MODEL": str(tmp_path / "no.npz")})
    assert missing.exit_code != 0
    assert isinstance(missing.exception, ModelError) and "no.npz" in str(missing.exception)
