"""Batch adaptation: the model's confident answers on a batch teach a batch model that fixes the rest."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from typer.testing import CliRunner

from bawaba.cli import app
from bawaba.pipeline.adapt import MIN_BATCH, adapt_scores, confident_rows, neighbour_probabilities
from bawaba.pipeline.classify import Classification, TopicModel, classify_many, load_model, probabilities

from .test_classifier import SNIPPETS


def outlet_batch(n: int, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """An unseen outlet in miniature: three classes, each with its own words (columns 0-179) plus
    shared filler, every word in a few percent of the articles as in real text; the model scores
    70 % of the articles right with a clear margin and misfiles the rest narrowly, as it does
    articles written in words it never saw."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, size=n)
    rows, cols = [], []
    for i, label in enumerate(truth):
        own = rng.choice(60, size=5, replace=False) + 60 * label
        filler = rng.choice(400, size=10, replace=False) + 180
        rows += [i] * 15
        cols += [*own, *filler]
    x = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, 580))
    scores = rng.normal(0, 0.1, size=(n, 3))
    known = rng.random(n) < 0.7
    scores[np.flatnonzero(known), truth[known]] += 2.0
    misfiled = np.flatnonzero(~known)
    scores[misfiled, (truth[misfiled] + 1) % 3] += 0.3
    return x, scores, truth


def test_adaptation_fixes_what_the_batch_can_teach() -> None:
    x, scores, truth = outlet_batch(1200)
    before = (scores.argmax(axis=1) == truth).mean()
    after = (adapt_scores(x, scores).argmax(axis=1) == truth).mean()
    assert before < 0.75
    assert after > 0.95


def test_small_or_single_class_batches_are_left_alone() -> None:
    x, scores, _ = outlet_batch(MIN_BATCH - 1)
    assert np.array_equal(adapt_scores(x, scores), scores)
    one_class = np.tile([3.0, 0.0, 0.0], (MIN_BATCH, 1))
    assert np.array_equal(adapt_scores(sp.identity(MIN_BATCH, format="csr"), one_class), one_class)
    with pytest.raises(ValueError, match="feature rows"):
        adapt_scores(x[:10], scores)


def test_adaptation_is_deterministic() -> None:
    x, scores, _ = outlet_batch(800, seed=3)
    assert np.array_equal(adapt_scores(x, scores), adapt_scores(x, scores))


def test_confident_rows_keeps_each_answers_best() -> None:
    scores = np.array([[5, 0], [1, 0], [3, 0], [0, 2], [0, 9]], dtype=float)
    assert confident_rows(scores, 0.5).tolist() == [0, 4]  # best of class 0 (of 3) and of class 1 (of 2)
    assert confident_rows(scores, 1.0).tolist() == [0, 1, 2, 3, 4]


def test_classify_many_adapts_large_batches_only() -> None:
    model = load_model()
    order = list(SNIPPETS) * (MIN_BATCH // len(SNIPPETS) + 1)
    docs = [{"title": SNIPPETS[k][0], "text": SNIPPETS[k][1]} for k in order]
    adapted = classify_many(docs, model, abstain=False, adapt=True)
    assert [a.category for a in adapted] == order
    # the confidence is still the model's calibrated probability of the answer
    probs = probabilities(model.scores([(d["title"], d["text"]) for d in docs[:5]])[1])
    for answer, row in zip(adapted[:5], probs, strict=True):
        assert answer.confidence == pytest.approx(row[model.classes.index(answer.category)])
    few = docs[:20]
    assert classify_many(few, model, adapt=True) == classify_many(few, model, adapt=False)


def test_adaptation_sees_margins_whatever_the_temperature(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adaptation is tuned on the SVM's margins, so ``classify_many`` divides the calibration's
    temperature out: a model whose calibration found k times the temperature (its weights k times
    larger) adapts the same way and gives the same answers."""
    import bawaba.pipeline.classify as classify

    seen: list[np.ndarray] = []

    def spy(x: sp.csr_matrix, scores: np.ndarray, **kwargs: Any) -> np.ndarray:
        seen.append(np.array(scores))
        return adapt_scores(x, scores, **kwargs)

    monkeypatch.setattr(classify, "adapt_scores", spy)
    model = load_model()
    order = list(SNIPPETS) * (MIN_BATCH // len(SNIPPETS) + 1)
    docs = [{"title": SNIPPETS[k][0], "text": SNIPPETS[k][1]} for k in order]
    answers = []
    for k in (1.0, 4.0):
        scaled = TopicModel.build(model.spec, model.classes, model.idf, model.coef * k, model.intercept * k,
                                  model.threshold, model.override_threshold, model.temperature * k)
        answers.append([a.category for a in classify_many(docs, scaled, abstain=False, adapt=True)])
    assert len(seen) == 2
    margins = np.asarray(model.scores([(d["title"], d["text"]) for d in docs])[1]) / model.temperature
    assert np.allclose(seen[0], margins, atol=1e-4) and np.allclose(seen[1], margins, atol=1e-4)
    assert answers[0] == answers[1] == order


def test_cli_adapts_by_default_and_streams_without() -> None:
    runner = CliRunner()
    order = list(SNIPPETS) * 110
    lines = "\n".join(json.dumps({"title": SNIPPETS[k][0], "text": SNIPPETS[k][1]}, ensure_ascii=False)
                      for k in order) + "\n"
    for flags in ([], ["--no-adapt"], ["--window", str(MIN_BATCH)]):
        result = runner.invoke(app, ["classify", *flags], input=lines)
        assert result.exit_code == 0, result.output
        assert [json.loads(line)["category"] for line in result.stdout.splitlines()] == order


def test_cli_adapts_a_short_tail_with_the_window_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """660 lines in windows of 500: the last 160 are adapted together with the 340 before them,
    and every line is answered once, in order."""
    import bawaba.commands.classify as command

    batches: list[tuple[int, bool]] = []

    def spy(docs: Sequence[Mapping[str, str | None]], *args: Any, **kwargs: Any) -> list[Classification]:
        batches.append((len(docs), kwargs["adapt"]))
        return classify_many(docs, *args, **kwargs)

    monkeypatch.setattr(command, "classify_many", spy)
    order = (list(SNIPPETS) * 132)[:660]
    lines = "\n".join(json.dumps({"title": SNIPPETS[k][0], "text": SNIPPETS[k][1]}, ensure_ascii=False)
                      for k in order) + "\n"
    result = CliRunner().invoke(app, ["classify", "--window", str(MIN_BATCH)], input=lines)
    assert result.exit_code == 0, result.output
    assert batches == [(MIN_BATCH, True), (MIN_BATCH, True)]
    assert [json.loads(line)["category"] for line in result.stdout.splitlines()] == order
    batches.clear()
    result = CliRunner().invoke(app, ["classify", "--no-adapt", "--workers", "1"], input=lines)
    assert [n for n, _ in batches] == [256, 256, 148]
    batches.clear()  # streaming with two workers: a chunk of 256 for each at a time
    result = CliRunner().invoke(app, ["classify", "--no-adapt", "--workers", "2"], input=lines)
    assert [n for n, _ in batches] == [512, 148]


def test_neighbour_probabilities() -> None:
    # rows 0-2 share words, rows 3-4 share others, row 5 has none
    x = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 0, 0], [1, 0.9, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0.8],
                                [0, 0, 0, 0]], dtype=float))
    x = sp.csr_matrix(x.multiply(1 / np.maximum(np.sqrt(x.multiply(x).sum(axis=1)), 1e-9)))
    scores = np.array([[9, 0], [9, 0], [0, 9], [0, 9], [0, 9], [5, 0]], dtype=float)
    near = neighbour_probabilities(x, scores, neighbours=2, common=None)  # six rows: no column is rare
    assert near[2].argmax() == 0  # its two neighbours (rows 0, 1) say class 0, whatever it says itself
    assert near[0] == pytest.approx([0.5, 0.5], abs=1e-3)  # rows 1 and 2 disagree, equally near
    assert near[3].argmax() == 1
    assert near[5] == pytest.approx([0.0, 0.0])  # like no other row: no neighbours' opinion
    assert near.shape == scores.shape


def test_common_columns_do_not_make_neighbours() -> None:
    """Columns in more than ``common`` of the rows are left out of the similarity: rows that share
    only such a column are no one's neighbours."""
    n = 100
    x = np.zeros((n, 3 + n))
    x[:, 0] = 1.0  # in every row
    x[0, 1] = x[1, 1] = 1.0  # rows 0 and 1 share a rare column
    x[np.arange(2, n), 3 + np.arange(2, n)] = 1.0  # the others: a column of their own
    rows = sp.csr_matrix(x / np.linalg.norm(x, axis=1, keepdims=True))
    scores = np.zeros((n, 2))
    scores[1] = [9.0, 0.0]
    near = neighbour_probabilities(rows, scores, neighbours=1, common=0.05)
    assert near[0].argmax() == 0 and near[0][0] > 0.99  # row 1 alone is near row 0
    assert near[5] == pytest.approx([0.0, 0.0])  # the everywhere column makes no neighbour
    assert neighbour_probabilities(rows, scores, neighbours=1, common=None)[5].sum() == pytest.approx(1.0)


def test_neighbours_alone_fix_misfiled_articles() -> None:
    """Without the batch model (strength 0), the neighbours' opinion alone refiles most of the
    narrowly misfiled articles: their nearest neighbours share their class's words."""
    x, scores, truth = outlet_batch(1200, seed=5)
    assert (scores.argmax(axis=1) == truth).mean() < 0.75
    smoothed = adapt_scores(x, scores, strength=0.0).argmax(axis=1)
    assert (smoothed == truth).mean() > 0.8
    assert (adapt_scores(x, scores, strength=0.0, smoothing=0.0).argmax(axis=1) == scores.argmax(axis=1)).all()


def test_eval_scores_the_windows_bawaba_classify_answers(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """``bawaba classify eval`` reads the file in the same windows as ``bawaba classify`` (so it
    scores exactly the answers the command writes), not as one batch."""
    import bawaba.commands.classify as command

    batches: list[int] = []

    def spy(docs: Sequence[Mapping[str, str | None]], *args: Any, **kwargs: Any) -> list[Classification]:
        batches.append(len(docs))
        return classify_many(docs, *args, **kwargs)

    monkeypatch.setattr(command, "classify_many", spy)
    order = (list(SNIPPETS) * 232)[:1160]
    data = tmp_path / "labelled.jsonl"
    data.write_text("".join(json.dumps({"title": SNIPPETS[k][0], "text": SNIPPETS[k][1], "category": k},
                                       ensure_ascii=False) + "\n" for k in order), encoding="utf-8")
    result = CliRunner().invoke(app, ["classify", "eval", "--data", str(data), "--window", str(MIN_BATCH)])
    assert result.exit_code == 0, result.output
    assert batches == [MIN_BATCH, MIN_BATCH, MIN_BATCH]  # the last 160 with the 340 before them
    assert "acc 1.000" in result.stdout
