"""The shipped model loads, classifies invented snippets, and decides with sections sensibly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bawaba.errors import ModelError
from bawaba.pipeline.classify import (
    CALIBRATION_FOLDS,
    TopicModel,
    calibrate,
    classify_article,
    classify_many,
    group_balance_weights,
    load_model,
    train_model,
)
from bawaba.text.features import FeatureSpec

SNIPPETS = {
    "sports": (
        "منتخب مصر يتأهل إلى نهائيات كأس الأمم الأفريقية",
        "حقق المنتخب فوزا ثمينا بهدفين دون رد في المباراة التي أقيمت مساء أمس، وسجل المهاجم هدف التقدم "
        "في الشوط الأول قبل أن يضيف زميله الهدف الثاني من ركلة جزاء، ليتصدر الفريق مجموعته برصيد عشر نقاط.",
    ),
    "economy": (
        "تراجع أسعار النفط مع زيادة المخزونات الأمريكية",
        "انخفضت العقود الآجلة لخام برنت بنسبة اثنين في المئة في تعاملات اليوم، بعدما أظهرت بيانات ارتفاع "
        "المخزونات، فيما يترقب المستثمرون قرار البنوك المركزية بشأن أسعار الفائدة ومعدلات التضخم.",
    ),
    "technology": (
        "شركة ناشئة تطور تطبيقا يعتمد على الذكاء الاصطناعي",
        "أعلنت الشركة عن إطلاق تطبيق جديد للهواتف الذكية يستخدم تقنيات التعلم الآلي لتحليل الصور، ويعمل "
        "على نظامي أندرويد وآي أو إس، مع تحديثات أمنية لحماية بيانات المستخدمين على الإنترنت.",
    ),
    "culture": (
        "افتتاح معرض للفن التشكيلي يضم أعمال رسامين شباب",
        "يضم المعرض لوحات ومنحوتات لفنانين من أجيال مختلفة، ويتضمن برنامجه أمسيات شعرية وندوات عن الرواية "
        "الحديثة وتوقيع كتب جديدة، بحضور عدد من الأدباء والنقاد والمهتمين بالتراث والمسرح.",
    ),
    "politics": (
        "مجلس الأمن يعقد جلسة طارئة لبحث الأزمة",
        "دعا وزير الخارجية إلى وقف فوري لإطلاق النار واستئناف المفاوضات بين الأطراف، فيما أكد الرئيس أن "
        "الحكومة ملتزمة بالحل السياسي، وطالبت المعارضة بإجراء انتخابات مبكرة وتشكيل حكومة وحدة وطنية.",
    ),
}


def snippet_articles() -> tuple[list[tuple[str, str]], list[str]]:
    """Twelve articles per snippet (the body cut at its first 0–4 words), labelled by topic."""
    docs, labels = [], []
    for label, (title, text) in SNIPPETS.items():
        words = text.split()
        for i in range(12):
            docs.append((title, " ".join(words[i % 5 :])))
            labels.append(label)
    return docs, labels


@pytest.fixture(scope="module")
def model() -> TopicModel:
    return load_model()


def test_shipped_model_loads(model: TopicModel) -> None:
    # the shared data's five topics plus those only the demo network's articles teach
    assert set(model.classes) == {"accidents", "arts", "culture", "economy", "health", "misc", "politics",
                                  "religion", "sports", "technology"}
    assert 0.3 <= model.threshold <= model.override_threshold < 1.0
    # calibration sharpened the SVM margins, and the file says by how much (batch adaptation needs it)
    assert model.temperature > 1.0


@pytest.mark.parametrize("expected", sorted(SNIPPETS))
def test_invented_snippets(model: TopicModel, expected: str) -> None:
    title, text = SNIPPETS[expected]
    result = classify_article(title, text, model=model)
    assert result.category == expected
    assert result.confidence >= model.threshold


def test_probabilities_sum_to_one(model: TopicModel) -> None:
    probs = model.predict_proba([*SNIPPETS.values(), ("", "")])
    assert probs.shape == (6, len(model.classes))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_topical_section_wins(model: TopicModel) -> None:
    title, text = SNIPPETS["economy"]
    result = classify_article(title, text, section="حوادث وقضايا", model=model)
    assert (result.category, result.confidence) == ("accidents", 1.0)


def test_generic_section_is_refined_or_kept(model: TopicModel) -> None:
    title, text = SNIPPETS["sports"]
    assert classify_article(title, text, section="محافظات", model=model).category == "sports"
    # nothing topical to go on: the generic section stays
    vague = classify_article("بيان", "نص قصير", section="محافظات", model=model)
    assert vague.category in {"egypt", *model.classes}
    if vague.confidence < model.threshold:
        assert vague.category == "egypt"


def test_place_section_needs_the_stricter_threshold(model: TopicModel) -> None:
    title, text = SNIPPETS["sports"]
    strict = TopicModel.build(model.spec, model.classes, model.idf, model.coef, model.intercept,
                              threshold=0.3, override_threshold=0.999999)
    # confident enough to fill a missing or misc section, not to overturn "أخبار مصر"
    assert classify_article(title, text, section="منوعات", model=strict).category == "sports"
    assert classify_article(title, text, model=strict).category == "sports"
    kept = classify_article(title, text, section="أخبار مصر", model=strict)
    assert kept.category == "egypt"
    assert kept.confidence < 0.999999
    assert classify_article(title, text, section="شؤون دولية", model=strict).category == "world"
    # an override threshold below the plain one is raised to it
    low = TopicModel.build(model.spec, model.classes, model.idf, model.coef, model.intercept,
                           threshold=0.8, override_threshold=0.5)
    assert low.override_threshold == 0.8


def test_place_section_is_never_overturned_to_politics(model: TopicModel) -> None:
    """World and national news already are politics: a summit under "شؤون دولية" stays world even
    for a model sure of politics, while a match report filed there still moves to sports."""
    eager = TopicModel.build(model.spec, model.classes, model.idf, model.coef, model.intercept,
                             threshold=0.3, override_threshold=0.3)
    politics = classify_article(*SNIPPETS["politics"], section="شؤون دولية", model=eager)
    assert classify_article(*SNIPPETS["politics"], model=eager).category == "politics"
    assert politics.category == "world"
    assert classify_article(*SNIPPETS["politics"], section="أخبار مصر", model=eager).category == "egypt"
    assert classify_article(*SNIPPETS["sports"], section="شؤون دولية", model=eager).category == "sports"


def test_demo_training_articles() -> None:
    from bawaba.commands.classify import demo_labelled

    docs, labels = demo_labelled()
    assert len(docs) == len(labels) == len(set(docs)) > 100
    assert "egypt" not in labels and "world" not in labels  # places, not topics
    assert {"arts", "health", "religion", "accidents", "misc", "politics"} <= set(labels)


def test_low_confidence_falls_back_to_misc() -> None:
    flat = load_model()
    sure = TopicModel.build(flat.spec, flat.classes, flat.idf, flat.coef, flat.intercept, threshold=1.01)
    result = classify_article(*SNIPPETS["sports"], model=sure)
    assert result.category == "misc"


def test_best_guess_without_abstaining() -> None:
    """``bawaba classify``'s default: the best topic and its confidence, never a misc shrug; a
    place section still needs the override threshold."""
    flat = load_model()
    sure = TopicModel.build(flat.spec, flat.classes, flat.idf, flat.coef, flat.intercept, threshold=1.01)
    docs = [{"title": SNIPPETS["sports"][0], "text": SNIPPETS["sports"][1]},
            {"title": SNIPPETS["sports"][0], "text": SNIPPETS["sports"][1], "section": "منوعات"},
            {"title": SNIPPETS["sports"][0], "text": SNIPPETS["sports"][1], "section": "أخبار مصر"}]
    abstaining = [r.category for r in classify_many(docs, sure)]
    best = classify_many(docs, sure, abstain=False)
    assert abstaining == ["misc", "misc", "egypt"]
    assert [r.category for r in best] == ["sports", "sports", "egypt"]
    assert best[0].confidence < sure.threshold


def test_region_is_reported(model: TopicModel) -> None:
    result = classify_article("الأهلي يفوز في القاهرة", SNIPPETS["sports"][1], model=model)
    assert result.region == "egypt"


def test_classify_many_matches_single(model: TopicModel) -> None:
    docs = [{"title": t, "text": x} for t, x in SNIPPETS.values()]
    many = classify_many(docs, model, batch=2)
    single = [classify_article(t, x, model=model) for t, x in SNIPPETS.values()]
    assert [m.category for m in many] == [s.category for s in single]
    assert np.allclose([m.confidence for m in many], [s.confidence for s in single], atol=1e-5)


def test_train_save_load_roundtrip(tmp_path: Path) -> None:
    docs, labels = snippet_articles()
    labels = ["tech" if label == "technology" else label for label in labels]  # a corpus label
    spec = FeatureSpec(word_bits=12, char_bits=12)
    trained = train_model(docs, labels, spec=spec)
    path = tmp_path / "m.npz"
    trained.save(path)
    loaded = load_model(path)
    assert loaded.classes == trained.classes
    assert "technology" in loaded.classes
    assert trained.temperature > 0 and loaded.temperature == pytest.approx(trained.temperature)
    assert np.allclose(loaded.predict_proba(docs[:10]), trained.predict_proba(docs[:10]), atol=1e-3)


@pytest.mark.parametrize("naive_bayes", [True, False])
def test_pruned_model_predicts_as_its_saved_file(tmp_path: Path, naive_bayes: bool) -> None:
    """Columns left out by ``max_df`` carry neither weight nor IDF, in memory as in the file: a
    model fresh from training and its reloaded copy give the same probabilities."""
    docs, labels = [], []
    for label, (title, text) in SNIPPETS.items():
        words = text.split()
        for i in range(12):
            docs.append((title, " ".join(words[i % 5 :]) + " وقال المصدر إن"))
            labels.append(label)
    spec = FeatureSpec(word_bits=12, char_bits=12)
    trained = train_model(docs, labels, spec=spec, max_df=(0.15, 0.15), naive_bayes=naive_bayes)
    assert (trained.idf[~np.any(trained.coef != 0, axis=1)] == 0).all()
    path = tmp_path / "pruned.npz"
    trained.save(path)
    unseen = [(SNIPPETS["sports"][0], "وقال المصدر إن المباراة انتهت بالتعادل")]
    for batch in (docs[:10], unseen):
        assert np.allclose(load_model(path).predict_proba(batch), trained.predict_proba(batch), atol=2e-3)
    assert [trained.classes[i] for i in trained.predict_proba(docs).argmax(axis=1)] == labels


def test_group_balance_weights() -> None:
    y = np.array(["sports"] * 6 + ["economy"] * 2)
    groups = np.array(["a"] * 4 + ["b"] * 2 + ["a", "b"])
    plain = group_balance_weights(y, groups, 0.0)
    # power 0 is sklearn's "balanced": n / (classes * class size)
    assert np.allclose(plain, [8 / 12] * 6 + [2.0] * 2)
    full = group_balance_weights(y, groups, 1.0)
    # power 1: each (outlet, class) cell of a class weighs the same in total
    assert np.isclose(full[:4].sum(), full[4:6].sum())
    half = group_balance_weights(y, groups, 0.5)
    assert full[0] < half[0] < half[4] < full[4]
    for w in (plain, half, full):
        assert np.isclose(w.sum(), len(y))
        assert np.isclose(w[y == "sports"].sum(), w[y == "economy"].sum())


def test_demo_cells_not_lifted() -> None:
    y = np.array(["politics"] * 6 + ["sports"] * 6)
    groups = np.array(["a"] * 5 + ["demo"] + ["a"] * 6)
    w = group_balance_weights(y, groups, 1.0)
    # the one demo politics article weighs as much as one of the outlet's five, not five times more
    assert np.isclose(w[5], w[0])
    lifted = group_balance_weights(y, groups, 1.0, unlifted=frozenset())
    assert np.isclose(lifted[5], 5 * lifted[0])


def test_training_with_outlets(tmp_path: Path) -> None:
    docs, labels, groups = [], [], []
    for label, (title, text) in SNIPPETS.items():
        words = text.split()
        for i in range(12):
            docs.append((title, " ".join(words[i % 5 :])))
            labels.append(label)
            groups.append("one" if i % 3 else "two")
    trained = train_model(docs, labels, groups=groups, spec=FeatureSpec(word_bits=12, char_bits=12))
    predicted = trained.predict_proba(docs).argmax(axis=1)
    assert [trained.classes[i] for i in predicted] == labels


@pytest.mark.parametrize(("sources", "fits"), [(3, 3 + 1), (12, CALIBRATION_FOLDS + 1)])
def test_calibration_holds_out_sources(monkeypatch: pytest.MonkeyPatch, sources: int, fits: int) -> None:
    """Few sources: calibrated one held-out source at a time; a store's many sources: in
    CALIBRATION_FOLDS folds of whole sources (a fit per source would take hours at 300)."""
    import bawaba.pipeline.classify as classify_module

    calls: list[int] = []
    real_fit = classify_module.fit_linear

    def counting_fit(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(classify_module, "fit_linear", counting_fit)
    docs, labels, groups = [], [], []
    for label, (title, text) in SNIPPETS.items():
        words = text.split()
        for i in range(2 * sources):
            docs.append((title, " ".join(words[i % 7 :])))
            labels.append(label)
            groups.append(f"source{i % sources}")
    trained = train_model(docs, labels, groups=groups, spec=FeatureSpec(word_bits=12, char_bits=12))
    assert len(calls) == fits
    assert trained.temperature != 1.0  # fitted on the held-out scores


@pytest.mark.parametrize("naive_bayes", [True, False])
def test_training_is_reproducible(naive_bayes: bool) -> None:
    """The same data trains the same model: liblinear shuffles rows, so the seed is fixed."""
    docs, labels = snippet_articles()
    spec = FeatureSpec(word_bits=12, char_bits=12)
    first, second = (train_model(docs, labels, spec=spec, naive_bayes=naive_bayes, calibrated=False) for _ in range(2))
    assert np.array_equal(first.coef, second.coef)
    assert np.array_equal(first.intercept, second.intercept)


def test_unknown_label_rejected() -> None:
    with pytest.raises(ModelError):
        train_model([("a", "b"), ("c", "d")], ["sports", "cooking"])


def test_bad_model_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError):
        load_model(bad)
    with pytest.raises(ModelError):
        load_model(tmp_path / "missing.npz")


def test_calibrate_threshold_and_temperature() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 600)
    scores = rng.normal(0, 1, (600, 3))
    scores[np.arange(600), truth] += 2.0
    temperature, threshold = calibrate(scores, np.array(["a", "b", "c"])[truth], ["a", "b", "c"], 0.95)
    assert temperature > 0
    probs = np.exp(scores * temperature)
    probs /= probs.sum(axis=1, keepdims=True)
    accepted = probs.max(axis=1) >= threshold
    assert (probs.argmax(axis=1)[accepted] == truth[accepted]).mean() >= 0.95
