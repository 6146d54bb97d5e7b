"""Quality gate: the shipped model on the held-out slice of the shared development data, and the
training recipe on an outlet it never saw.

The shipped model is trained with ``bawaba classify train --holdout 10``, so the 10 % slice chosen by
``in_holdout`` was never seen. Skips cleanly where ../shared/data is absent. Corpus: A. Chouigui,
O. Ben Khiroun, B. Elayeb, "ANT Corpus: An Arabic News Text Collection for Textual Classification",
AICCSA 2017.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import f1_score

from bawaba.pipeline.classify import classify_many, in_holdout, load_model, to_slug

DATA = Path(__file__).resolve().parents[3] / "shared/data/news-categories/news_categories_dev.jsonl"
#: measured on the slice when the model was shipped (0.930, docs/CLASSIFIER.md); a drop below fails
MACRO_F1_FLOOR = 0.925
HOLDOUT_PERCENT = 10


@pytest.mark.skipif(not DATA.exists(), reason="shared news-categories data not present")
@pytest.mark.parametrize("adapt", [False, True], ids=["each-article", "adapted-batch"])
def test_shipped_model_on_heldout_slice(adapt: bool) -> None:
    """Both ways `bawaba classify` answers {title, text} lines: article by article (--no-adapt)
    and adapted to the slice as one batch (its default; measured 0.934)."""
    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    held = [r for r in rows if in_holdout(r["id"], HOLDOUT_PERCENT)]
    assert len(held) > 500
    model = load_model()
    docs = [{"title": r["title"], "text": r["text"]} for r in held]
    predicted = [c.category for c in classify_many(docs, model, abstain=False, adapt=adapt)]
    truth = [to_slug(r["category"]) for r in held]
    # over the data's five classes: a prediction of another portal topic counts against recall
    assert f1_score(truth, predicted, labels=sorted(set(truth)), average="macro") >= MACRO_F1_FLOOR


#: the training recipe on an outlet it never saw: trained on alarabiya.net and bbc.com/arabic (and
#: the demo network and the written articles, as shipped), scored on skynewsarabia.com; measured
#: 0.928 article by article and 0.935 adapted (docs/CLASSIFIER.md, "Eighth push"; 0.922 / 0.933
#: before the written articles). The in-source slice above cannot see a change that only hurts
#: unseen outlets, which is what the acceptance goal is about.
CROSS_OUTLET_FLOORS = {False: 0.92, True: 0.93}
HELD_OUT_OUTLET = "skynewsarabia.com"


@pytest.fixture(scope="module")
def cross_outlet_fold() -> tuple[list[str], list[str], list[str]]:
    """(truth, answers article by article, answers adapted to the outlet as one batch)."""
    from bawaba.commands.classify import shipped_recipe

    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    train = [r for r in rows if r["source"] != HELD_OUT_OUTLET]
    test = [r for r in rows if r["source"] == HELD_OUT_OUTLET]
    # what `classify train --demo --written` ships; calibration only rescales the scores, which adaptation
    # divides out again, so it is skipped here (one fit instead of four)
    model = shipped_recipe([(r["title"], r["text"]) for r in train], [r["category"] for r in train],
                           [r["source"] for r in train], calibrated=False)
    docs = [{"title": r["title"], "text": r["text"]} for r in test]
    plain = [c.category for c in classify_many(docs, model, abstain=False)]
    adapted = [c.category for c in classify_many(docs, model, abstain=False, adapt=True)]
    return [to_slug(r["category"]) for r in test], plain, adapted


@pytest.mark.skipif(not DATA.exists(), reason="shared news-categories data not present")
@pytest.mark.parametrize("adapt", [False, True], ids=["each-article", "adapted-batch"])
def test_recipe_on_an_unseen_outlet(adapt: bool, cross_outlet_fold: tuple[list[str], list[str], list[str]]) -> None:
    truth, plain, adapted = cross_outlet_fold
    predicted = adapted if adapt else plain
    score = f1_score(truth, predicted, labels=sorted(set(truth)), average="macro")
    assert score >= CROSS_OUTLET_FLOORS[adapt], f"macro-F1 {score:.4f} on {HELD_OUT_OUTLET}, never trained on"
