"""Quality gate that needs no shared data: the shipped model on outlet voices no training set has.

``data/unseen_voices.jsonl`` holds articles we wrote for evaluation only, in the data's five topics
and in outlet voices that neither the shipped model's training articles
(``data/training/written.jsonl``) nor the development outlets have: German, Russian, Turkish and
Chinese international services, a US cable network, a Qatar-based channel, an Emirati and a Beirut
daily, an Iranian channel and a Kuwaiti daily. Many are the soft stories general outlets file
under world news, culture or science (a family abroad, a star's lawsuit, a health study), where
outlets differ most. It is never trained on, so this is the acceptance question ("outlets absent
from the training data") asked of our own writing, on every checkout.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib.resources import files
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score

from bawaba.commands.classify import WRITTEN_ARTICLES
from bawaba.pipeline.adapt import MIN_BATCH
from bawaba.pipeline.classify import classify_many, load_model, to_slug

VOICES = Path(__file__).parent / "data" / "unseen_voices.jsonl"
FIVE = {"culture", "economy", "politics", "sports", "technology"}
#: measured when the set was written: 0.961 article by article, 0.974 adapted (docs/CLASSIFIER.md,
#: "Ninth push"); a drop below fails
FLOORS = {False: 0.95, True: 0.96}


def _read(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def voices() -> list[dict[str, object]]:
    return _read(VOICES.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def training() -> list[dict[str, object]]:
    return _read(files("bawaba").joinpath(WRITTEN_ARTICLES).read_text(encoding="utf-8"))


def test_file_is_sorted_balanced_and_new(voices: list[dict[str, object]], training: list[dict[str, object]]) -> None:
    assert all(set(r) == {"category", "voice", "region", "region_named", "title", "text"} for r in voices)
    assert {r["region"] for r in voices} <= {"egypt", "arab", "world", None}
    keys = [(str(r["category"]), str(r["title"])) for r in voices]
    assert keys == sorted(keys)
    counts = Counter(str(r["category"]) for r in voices)
    assert set(counts) == FIVE and len(set(counts.values())) == 1
    assert len(voices) >= MIN_BATCH  # large enough for `bawaba classify` to adapt to it as a batch
    assert len({r["title"] for r in voices}) == len({r["text"] for r in voices}) == len(voices)
    assert not {r["voice"] for r in voices} & {r["voice"] for r in training}  # voices the model never read
    for r in voices:
        assert 50 <= len(str(r["text"]).split()) <= 400, r["title"]


def test_no_article_is_a_rewrite_of_a_training_article(
    voices: list[dict[str, object]], training: list[dict[str, object]]
) -> None:
    """Character 4-gram TF-IDF cosine to the nearest training article stays below what a rewrite
    of the same invented story scored (0.37-0.50: those were dropped and replaced; the set's
    maximum is 0.36; a copy scores 1)."""
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(4, 4), sublinear_tf=True)
    train = vectorizer.fit_transform([f"{r['title']}\n{r['text']}" for r in training])
    held = vectorizer.transform([f"{r['title']}\n{r['text']}" for r in voices])
    nearest = (held @ train.T).max(axis=1).toarray().ravel()
    worst = int(nearest.argmax())
    assert nearest[worst] < 0.37, voices[worst]["title"]


@pytest.mark.parametrize("adapt", [False, True], ids=["each-article", "adapted-batch"])
def test_shipped_model_on_unseen_voices(adapt: bool, voices: list[dict[str, object]]) -> None:
    docs = [{"title": str(r["title"]), "text": str(r["text"])} for r in voices]
    predicted = [c.category for c in classify_many(docs, load_model(), abstain=False, adapt=adapt)]
    truth = [to_slug(str(r["category"])) for r in voices]
    score = f1_score(truth, predicted, labels=sorted(FIVE), average="macro")
    assert score >= FLOORS[adapt], f"macro-F1 {score:.4f} on outlet voices never trained on"
