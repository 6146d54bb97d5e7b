"""Batch adaptation: a large batch of articles from outlets the model never saw teaches it their words.

The topic model's errors on an unseen outlet come from that outlet's vocabulary and habits, which
its own articles show. Given a batch, the model's most confident answers (the best ``share`` of
each predicted class, by score margin) label a small linear model fitted on the batch alone (its
stem n-gram rows, L2-normalised, no intercept), whose scores are added to the model's
(transductive self-training); then each article leans towards the answers of its nearest
neighbours in the batch (one step of label propagation). Measured leave-one-outlet-out
(docs/CLASSIFIER.md, "Fifth push"): macro-F1 0.899 -> 0.911 when an outlet's articles come as one
batch. Below ``MIN_BATCH`` the pseudo-labels are too few and it loses, so small batches are left as
they are. The answer for an article then depends on the batch it came with; the same input always
gives the same output.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["MIN_BATCH", "adapt_scores", "confident_rows", "neighbour_probabilities", "probabilities"]

#: fewest articles a batch needs before it is adapted to (smaller batches lost macro-F1)
MIN_BATCH = 500


def confident_rows(scores: npt.NDArray[np.floating], share: float) -> npt.NDArray[np.intp]:
    """Rows whose answer is among the ``share`` most certain (by margin over the runner-up) of the
    rows given the same answer: each predicted class keeps its own best, so a class the model
    finds hard still teaches the batch model something."""
    best = scores.argmax(axis=1)
    ordered = np.sort(scores, axis=1)
    margin = ordered[:, -1] - ordered[:, -2]
    keep: list[npt.NDArray[np.intp]] = []
    for label in np.unique(best):
        rows = np.flatnonzero(best == label)
        count = max(1, int(len(rows) * share))
        keep.append(rows[np.argsort(-margin[rows], kind="stable")[:count]])
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.intp)


def adapt_scores(
    x: sp.csr_matrix,
    scores: npt.NDArray[np.floating],
    *,
    share: float = 0.8,
    strength: float = 1.0,
    regularization: float = 3.0,
    neighbours: int = 10,
    smoothing: float = 0.25,
    min_batch: int = MIN_BATCH,
) -> npt.NDArray[np.float64]:
    """The model's ``scores`` (rows: articles, columns: classes) plus ``strength`` times those of a
    hinge-loss linear model fitted on the batch's ``x`` rows under the model's confident answers.
    ``regularization`` is divided by the number of pseudo-labelled rows (a constant C, whatever the
    batch size). Then ``smoothing`` times the log of each row's ``neighbours``' probabilities is
    added (``neighbour_probabilities``). Batches under ``min_batch`` rows, or whose answers name one
    class, come back as they are."""
    out = np.array(scores, dtype=np.float64, copy=True)
    if x.shape[0] != out.shape[0]:
        raise ValueError(f"{x.shape[0]} feature rows for {out.shape[0]} score rows")
    if out.shape[0] < max(min_batch, 2) or out.shape[1] < 2:
        return out
    rows = confident_rows(out, share)
    labels = out.argmax(axis=1)[rows]
    if len(np.unique(labels)) < 2:
        return out
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier
    from sklearn.preprocessing import normalize

    features = normalize(sp.csr_matrix(x, dtype=np.float64))
    learner = SGDClassifier(
        loss="hinge",
        alpha=regularization / len(rows),
        max_iter=10,
        tol=None,
        class_weight="balanced",
        fit_intercept=False,  # a batch-wide class bias is a prior guess, and it lost measurably
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # ten fixed passes, by design
        learner.fit(features[rows], labels)
    batch_scores = learner.decision_function(features)
    columns = np.asarray(learner.classes_, dtype=np.intp)
    if batch_scores.ndim == 1:  # two classes: one margin, the first class's score is its negation
        batch_scores = np.column_stack([-batch_scores, batch_scores])
    out[:, columns] += strength * batch_scores
    if smoothing:
        out += smoothing * np.log(neighbour_probabilities(features, out, neighbours) + 1e-3)
    return out


def probabilities(scores: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """Row-wise softmax of class scores."""
    z = np.array(scores, dtype=np.float64, copy=True)
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return np.asarray(z / z.sum(axis=1, keepdims=True))


def neighbour_probabilities(
    x: sp.csr_matrix,
    scores: npt.NDArray[np.float64],
    neighbours: int,
    chunk: int = 1000,
    common: float | None = 0.05,
) -> npt.NDArray[np.float64]:
    """Per row, the class probabilities (softmax of ``scores``) of its ``neighbours`` most similar
    other rows (dot product of L2-normalised rows: cosine), averaged with the similarities as
    weights; all zeros for a row like no other. One step of label propagation: articles on the same
    subject in one batch should get the same answer. The similarities are computed ``chunk`` rows
    at a time (memory: chunk x batch floats). Columns in more than ``common`` of the batch's rows
    are left out of the similarity (and those in one row, which only meet themselves): a column in
    d rows costs d² products, so the common ones are most of the work, while they say little about
    which articles are nearest (measured: the same macro-F1, 40 % less time)."""
    probs = probabilities(scores)
    count = min(neighbours, x.shape[0] - 1)
    out: npt.NDArray[np.float64] = np.zeros(probs.shape, dtype=np.float64)
    if count < 1:
        return out
    if common is not None:
        rows_with = np.bincount(x.indices, minlength=x.shape[1])
        x = x[:, np.flatnonzero((rows_with >= 2) & (rows_with <= max(2.0, common * x.shape[0])))].tocsr()
    transposed = x.T.tocsr()
    for start in range(0, x.shape[0], chunk):
        sim = (x[start : start + chunk] @ transposed).toarray()
        own = np.arange(sim.shape[0])
        sim[own, start + own] = -1.0  # an article is not its own neighbour
        nearest = np.argpartition(-sim, count - 1, axis=1)[:, :count]
        weights = np.clip(np.take_along_axis(sim, nearest, axis=1), 0.0, None)
        total = weights.sum(axis=1, keepdims=True)
        mixed = np.einsum("ik,ikc->ic", weights, probs[nearest])
        out[start : start + chunk] = np.divide(mixed, total, out=np.zeros_like(mixed), where=total > 0)
    return out
