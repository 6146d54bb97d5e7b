"""Topic classifier benchmark: leave-one-outlet-out quality, model size, load time, throughput.

First scores outlet voices no training set has (our own held-out articles, tests/classify/data):
the shipped model, and the recipe and the baseline trained on the three development outlets.
Then trains on two outlets of the shared ANT-derived development file and tests on the third, for
the plain TF-IDF (word + char n-grams) + linear SVM baseline and for bawaba's variants; then times
the shipped model. Prints tables with ratios against the baseline.

    python bench/classify.py [--data PATH] [--sample N] [--no-voices] [--no-mixed] [--no-teachers] [--no-order] [--no-ceiling]

The data (../shared/data/news-categories) is read only here; nothing of it is stored in the repo.
Corpus: A. Chouigui, O. Ben Khiroun, B. Elayeb, "ANT Corpus: An Arabic News Text Collection for
Textual Classification", AICCSA 2017.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from importlib.resources import files
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from rich.console import Console
from rich.table import Table
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.svm import LinearSVC

from bawaba.commands.classify import classify_stream, demo_labelled, shipped_recipe, written_labelled
from bawaba.pipeline.adapt import adapt_scores
from bawaba.pipeline.classify import (
    DEFAULT_MODEL,
    SHIPPED_MAX_DF,
    TopicModel,
    classify_many,
    load_model,
    to_slug,
    train_model,
)
from bawaba.text.features import FeatureSpec

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/news-categories/news_categories_dev.jsonl"
#: labelled articles we wrote in outlet voices no training set has (tests/classify/test_unseen_voices.py)
UNSEEN_VOICES = Path(__file__).resolve().parents[1] / "tests/classify/data/unseen_voices.jsonl"

Docs = Sequence[tuple[str, str]]
#: the feature recipe of models before stop words were dropped
LEGACY = FeatureSpec(stopwords=False)
Predictor = Callable[[Docs, Sequence[str], Sequence[str], Docs], list[str]]


def baseline(train: Docs, labels: Sequence[str], groups: Sequence[str], test: Docs) -> list[str]:
    """The plain recipe: sklearn TF-IDF word 1-2-grams + char_wb 2-5-grams, LinearSVC."""
    words = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2, max_features=200_000)
    chars = TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                            max_features=300_000)
    train_text = [f"{t}\n{x}" for t, x in train]
    test_text = [f"{t}\n{x}" for t, x in test]
    x_train = sp.hstack([words.fit_transform(train_text), chars.fit_transform(train_text)]).tocsr()
    x_test = sp.hstack([words.transform(test_text), chars.transform(test_text)]).tocsr()
    svm = LinearSVC(C=0.5, class_weight="balanced").fit(x_train, labels)
    return [str(p) for p in svm.predict(x_test)]


def ours(spec: FeatureSpec, c: float = 0.2) -> Predictor:
    def predict(train: Docs, labels: Sequence[str], groups: Sequence[str], test: Docs) -> list[str]:
        model = train_model(train, labels, spec=spec, c=c, calibrated=False, naive_bayes=False)
        probs = model.predict_proba(test)
        return [model.classes[i] for i in probs.argmax(axis=1)]

    return predict


def with_demo(
    spec: FeatureSpec,
    c: float = 0.2,
    balance: float | None = None,
    max_df: tuple[float, float] = (1.0, 1.0),
    abstain: bool = False,
    naive_bayes: bool = False,
    adapt: bool = False,
    written: bool = False,
) -> Predictor:
    """The shipped recipe: every fold also trains on the demo network's labelled articles (not an
    outlet of this evaluation), so the model knows the portal's other topics; a prediction of one
    of those on this data counts as an error. ``balance``: the (outlet, class) weighting power
    (``train_model``'s ``group_balance``); None trains without outlets (plain class balancing).
    The answers are what ``bawaba classify`` writes for {title, text} lines (``classify_many``: the
    best topic, or with ``abstain`` ingest's rule, misc below the calibrated threshold); ``adapt``:
    the held-out outlet's articles come as one batch the model adapts to (``pipeline.adapt``);
    ``written``: the project's written articles are one more training group (``--written``)."""
    extra_docs, extra_labels = demo_labelled()
    extra_groups = ["demo"] * len(extra_docs)
    if written:
        written_docs, written_labels = written_labelled()
        extra_docs, extra_labels = [*extra_docs, *written_docs], [*extra_labels, *written_labels]
        extra_groups += ["written"] * len(written_docs)

    def predict(train: Docs, labels: Sequence[str], groups: Sequence[str], test: Docs) -> list[str]:
        model = train_model([*train, *extra_docs], [*labels, *extra_labels], spec=spec, c=c, calibrated=abstain,
                            groups=None if balance is None else [*groups, *extra_groups],
                            group_balance=balance or 0.0, max_df=max_df, naive_bayes=naive_bayes)
        answers = classify_many([{"title": t, "text": x} for t, x in test], model, abstain=abstain, adapt=adapt)
        return [a.category for a in answers]

    return predict


def shipped_like(*, written: bool = False, abstain: bool = False, adapt: bool = False) -> Predictor:
    """The shipped features and weighting (NB-SVM, max_df, power 0.5); the rows built on it differ
    in training data and in how they answer."""
    return with_demo(FeatureSpec(), balance=0.5, max_df=SHIPPED_MAX_DF, naive_bayes=True, written=written,
                     abstain=abstain, adapt=adapt)


VARIANTS: dict[str, Predictor] = {
    "baseline tfidf word+char svm": baseline,
    "bawaba stems only": ours(FeatureSpec(chars=False, stopwords=False)),
    "bawaba stems+chars": ours(LEGACY),
    "bawaba stems+chars 4000 chars": ours(FeatureSpec(max_chars=4000, stopwords=False)),
    "bawaba stems+chars + demo articles": with_demo(LEGACY),
    "+ (outlet, class) weights, power 1": with_demo(LEGACY, balance=1.0),
    "+ (outlet, class) weights, power 0.5 (previous model)": with_demo(LEGACY, balance=0.5),
    "  same, answered with --abstain (misc below threshold)": with_demo(LEGACY, balance=0.5, abstain=True),
    "+ stop words dropped": with_demo(FeatureSpec(), balance=0.5),
    "+ stop words dropped, max_df 0.2/0.2": with_demo(FeatureSpec(), balance=0.5, max_df=SHIPPED_MAX_DF),
    "+ NB-SVM features (model of the seventh push; --no-adapt)": shipped_like(),
    "+ batch adaptation (model of the seventh push)": shipped_like(adapt=True),
    "+ written articles (shipped model; --no-adapt)": shipped_like(written=True),
    "  same, answered with --abstain": shipped_like(written=True, abstain=True),
    "+ batch adaptation (bawaba classify's default)": shipped_like(written=True, adapt=True),
}


def load(path: Path, sample: int | None) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    if sample:
        random.Random(0).shuffle(rows)
        rows = rows[:sample]
    return rows


def leave_one_outlet_out(rows: list[dict[str, str]], predict: Predictor) -> dict[str, tuple[float, float]]:
    """Per held-out outlet (macro-F1, accuracy), and under "pooled" the macro-F1 and accuracy of all
    folds' answers together (one score over the five classes, as a mixed unseen feed would give)."""
    out: dict[str, tuple[float, float]] = {}
    all_truth: list[str] = []
    all_predicted: list[str] = []
    for outlet in sorted({r["source"] for r in rows}):
        train = [r for r in rows if r["source"] != outlet]
        test = [r for r in rows if r["source"] == outlet]
        truth = [to_slug(r["category"]) for r in test]
        predicted = predict([(r["title"], r["text"]) for r in train], [to_slug(r["category"]) for r in train],
                            [r["source"] for r in train], [(r["title"], r["text"]) for r in test])
        present = sorted(set(truth))  # an outlet without culture is not scored on culture
        out[outlet] = (float(f1_score(truth, predicted, labels=present, average="macro")),
                       float(accuracy_score(truth, predicted)))
        all_truth += truth
        all_predicted += predicted
    out["pooled"] = (float(f1_score(all_truth, all_predicted, labels=sorted(set(all_truth)), average="macro")),
                     float(accuracy_score(all_truth, all_predicted)))
    return out


def fold_model(train: list[dict[str, str]]) -> TopicModel:
    """The shipped recipe (``classify train --demo``) on these rows, uncalibrated: calibration only
    rescales the scores, and adaptation divides that out again."""
    return shipped_recipe([(r["title"], r["text"]) for r in train], [r["category"] for r in train],
                          [r["source"] for r in train], calibrated=False)


def fold_models(rows: list[dict[str, str]]) -> dict[str, TopicModel]:
    """Per outlet, ``fold_model`` trained on the other outlets' rows."""
    outlets = sorted({r["source"] for r in rows})
    return {outlet: fold_model([r for r in rows if r["source"] != outlet]) for outlet in outlets}


def mixed_feed(rows: list[dict[str, str]], models: dict[str, TopicModel]) -> dict[str, tuple[float, float]]:
    """All three held-out outlets as one mixed batch, each article scored by the fold model that
    never saw its outlet (``models``), then adapted together (``adapt_scores``), as a mixed feed of
    unseen outlets piped into ``bawaba classify`` would be. Per outlet and pooled (macro-F1, accuracy)."""
    outlets = sorted(models)
    truth: list[str] = []
    scores, words, owner = [], [], []
    classes: tuple[str, ...] = ()
    for outlet in outlets:
        test = [r for r in rows if r["source"] == outlet]
        model = models[outlet]
        assert not classes or model.classes == classes
        classes = model.classes
        x, s = model.scores([(r["title"], r["text"]) for r in test])
        words.append(x[:, : model.word_columns])
        scores.append(s / model.temperature)  # margins, as classify_many adapts them
        owner += [outlet] * len(test)
        truth += [to_slug(r["category"]) for r in test]
    answers = adapt_scores(sp.vstack(words, format="csr"), np.vstack(scores)).argmax(axis=1)
    predicted = np.array([classes[i] for i in answers])
    truth_a, owner_a = np.array(truth), np.array(owner)
    out = {}
    for outlet in outlets:
        t, p = truth_a[owner_a == outlet], predicted[owner_a == outlet]
        out[outlet] = (float(f1_score(t, p, labels=sorted(set(t)), average="macro")), float(accuracy_score(t, p)))
    out["pooled"] = (float(f1_score(truth_a, predicted, labels=sorted(set(truth)), average="macro")),
                     float(accuracy_score(truth_a, predicted)))
    return out


def input_order(
    rows: list[dict[str, str]], models: dict[str, TopicModel], windows: Sequence[int] = (1_000, 5_000)
) -> dict[str, dict[str, float]]:
    """Macro-F1 of each held-out outlet's articles read by ``bawaba classify``'s own reader
    (``classify_stream``, adapted window by window) in file order and sorted by class, per window
    size: a file sorted by class makes every window a skewed batch."""
    out: dict[str, dict[str, float]] = {}
    for order in ("as in the file", "sorted by class"):
        out[order] = {}
        for outlet, model in models.items():
            test = [r for r in rows if r["source"] == outlet]
            if order == "sorted by class":
                test.sort(key=lambda r: r["category"])
            truth = [to_slug(r["category"]) for r in test]
            for window in windows:
                records = ({"title": r["title"], "text": r["text"]} for r in test)
                answers = [a.category for a in classify_stream(records, model, adapt=True, window=window)]
                out[order][f"{outlet} {window:,}"] = float(
                    f1_score(truth, answers, labels=sorted(set(truth)), average="macro"))
    return out


def scores_both_ways(model: TopicModel, test: list[dict[str, str]]) -> tuple[float, float]:
    """Macro-F1 of ``model`` on labelled rows over their classes, article by article and adapted
    as one batch."""
    truth = [to_slug(r["category"]) for r in test]
    docs = [{"title": r["title"], "text": r["text"]} for r in test]
    plain, adapted = (
        float(f1_score(truth, [a.category for a in classify_many(docs, model, abstain=False, adapt=adapt)],
                       labels=sorted(set(truth)), average="macro"))
        for adapt in (False, True)
    )
    return plain, adapted


def teachers(
    rows: list[dict[str, str]], known: dict[str, tuple[float, float]] | None = None
) -> dict[str, dict[str, tuple[float, float]]]:
    """Per held-out outlet, the shipped recipe trained on each other outlet alone and on both
    (with the demo network and the written articles, as shipped): (macro-F1 article by article, adapted as one batch).
    How much another training outlet is worth, the case for ``classify train --from-store``.
    ``known``: the two-outlet scores per held-out outlet, when the leave-one-outlet-out variants
    already measured them (not trained again)."""
    outlets = sorted({r["source"] for r in rows})
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for held in outlets:
        test = [r for r in rows if r["source"] == held]
        out[held] = {}
        others = [o for o in outlets if o != held]
        for teachers_ in [*([o] for o in others), others]:
            if known and held in known and teachers_ == others:
                out[held][" + ".join(teachers_)] = known[held]
                continue
            train = [r for r in rows if r["source"] in teachers_]
            out[held][" + ".join(teachers_)] = scores_both_ways(fold_model(train), test)
    return out


def seen_ceiling(rows: list[dict[str, str]], folds: int = 5) -> dict[str, tuple[float, float]]:
    """Per outlet, the shipped recipe trained on the other outlets *and* ``folds - 1`` of ``folds``
    parts of the outlet itself (parts by crc32 of the id), tested on the part left out, answers
    pooled over the parts: (macro-F1 article by article, adapted a part at a time). What the
    outlet's own labels allow, the ceiling of its unseen (leave-one-outlet-out) score."""
    out: dict[str, tuple[float, float]] = {}
    for outlet in sorted({r["source"] for r in rows}):
        own = [r for r in rows if r["source"] == outlet]
        rest = [r for r in rows if r["source"] != outlet]
        truth: list[str] = []
        answers: dict[bool, list[str]] = {False: [], True: []}
        for part in range(folds):
            test = [r for r in own if zlib.crc32(r["id"].encode()) % folds == part]
            model = fold_model(rest + [r for r in own if zlib.crc32(r["id"].encode()) % folds != part])
            docs = [{"title": r["title"], "text": r["text"]} for r in test]
            truth += [to_slug(r["category"]) for r in test]
            for adapt in (False, True):
                answers[adapt] += [a.category for a in classify_many(docs, model, abstain=False, adapt=adapt)]
        present = sorted(set(truth))
        plain, adapted = (float(f1_score(truth, answers[a], labels=present, average="macro")) for a in (False, True))
        out[outlet] = (plain, adapted)
    return out


def unseen_voices(rows: list[dict[str, str]]) -> dict[str, tuple[float, float]]:
    """Outlets no training set has, as far as our own writing can stand for them: the shipped model
    on the held-out voices of ``UNSEEN_VOICES``; and the recipe on all three development outlets
    (no written articles) on those and on the written training articles, beside the baseline
    trained on the same three outlets. (macro-F1 article by article, adapted as one batch; the
    baseline has no batch mode, so both are its plain answer.)"""
    voices = [json.loads(line) for line in UNSEEN_VOICES.open(encoding="utf-8")]
    written_rows = [{"title": t, "text": x, "category": c} for (t, x), c in zip(*written_labelled(), strict=True)]
    out = {"shipped model on the held-out voices": scores_both_ways(load_model(), voices)}
    if not rows:
        return out
    three = shipped_recipe([(r["title"], r["text"]) for r in rows], [r["category"] for r in rows],
                           [r["source"] for r in rows], calibrated=False, written=False)
    train = [(r["title"], r["text"]) for r in rows]
    labels = [to_slug(r["category"]) for r in rows]
    for name, test in (("held-out voices", voices), ("written training articles", written_rows)):
        truth = [to_slug(r["category"]) for r in test]
        guess = baseline(train, labels, [], [(r["title"], r["text"]) for r in test])
        score = float(f1_score(truth, guess, labels=sorted(set(truth)), average="macro"))
        out[f"baseline on three outlets -> {name}"] = (score, score)
        out[f"recipe on three outlets (no written) -> {name}"] = scores_both_ways(three, test)
    return out


def speed(rows: list[dict[str, str]]) -> dict[str, float]:
    shipped = Path(str(files("bawaba").joinpath(DEFAULT_MODEL)))
    started = time.perf_counter()
    model = load_model()
    load_s = time.perf_counter() - started
    docs = [{"title": r["title"], "text": r["text"]} for r in rows[:5000]]
    rates = {}
    # the second pass finds every word's n-grams cached; the third adds batch adaptation
    for name, adapt in (("cold", False), ("warm", False), ("adapted", True)):
        started, cpu = time.perf_counter(), time.process_time()
        classify_many(docs, model, adapt=adapt)
        rates[name] = len(docs) / (time.perf_counter() - started)
        rates[f"{name}_cpu"] = len(docs) / (time.process_time() - cpu)
    return {"size_mb": shipped.stat().st_size / 1e6, "load_s": load_s, **rates}


def cli_speed(rows: list[dict[str, str]], n: int = 6000) -> dict[str, float]:
    """Lines per second of the whole ``bawaba classify`` command in a fresh process (start-up, model
    load, JSON in and out), as someone piping a file into it sees them: adapted and streaming,
    with one process and with a worker per core."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as fh:
        for r in rows[:n]:
            fh.write(json.dumps({"title": r["title"], "text": r["text"]}, ensure_ascii=False) + "\n")
        path = Path(fh.name)
    lines = min(n, len(rows))
    rates = {}
    try:
        for name, flags in (("adapted, 1 process", ["--workers", "1"]), ("adapted, a worker per core", []),
                            ("--no-adapt, 1 process", ["--no-adapt", "--workers", "1"]),
                            ("--no-adapt, a worker per core", ["--no-adapt"])):
            with path.open("rb") as stdin:
                started = time.perf_counter()
                subprocess.run([sys.executable, "-m", "bawaba", "classify", *flags], stdin=stdin,
                               stdout=subprocess.DEVNULL, check=True)
                rates[name] = lines / (time.perf_counter() - started)
    finally:
        path.unlink()
    return rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sample", type=int, default=None, help="Use N random articles (quick runs).")
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--mixed", action=argparse.BooleanOptionalAction, default=True,
                        help="Also adapt to the three held-out outlets as one mixed batch.")
    parser.add_argument("--teachers", action=argparse.BooleanOptionalAction, default=True,
                        help="Also score each held-out outlet with one training outlet and with two.")
    parser.add_argument("--order", action=argparse.BooleanOptionalAction, default=True,
                        help="Also read each held-out outlet sorted by class, through bawaba classify's reader.")
    parser.add_argument("--ceiling", action=argparse.BooleanOptionalAction, default=True,
                        help="Also score each outlet by models that saw four fifths of it (its own labels' ceiling).")
    parser.add_argument("--voices", action=argparse.BooleanOptionalAction, default=True,
                        help="Also score outlet voices no training set has (our own held-out writing).")
    args = parser.parse_args(argv)
    console = Console(width=160)  # the table is wide; logs are read later, not in a terminal
    rows = load(args.data, args.sample) if args.data.exists() else []
    if args.voices:
        started = time.perf_counter()
        voiced = unseen_voices(rows)
        console.print(f"unseen voices: {time.perf_counter() - started:.0f} s", style="dim")
        v_table = Table(title="outlet voices absent from training (articles we wrote; macro-F1 over five classes)")
        for col in ("model -> articles", "article by article", "adapted"):
            v_table.add_column(col, justify="left" if col.startswith("model") else "right")
        for name, (plain, adapted) in voiced.items():
            v_table.add_row(name, f"{plain:.4f}", f"{adapted:.4f}")
        console.print(v_table)
    if not rows:
        console.print(f"no data at {args.data}: leave-one-outlet-out skipped")
        return 0
    results = {}
    for name in args.variants:
        started = time.perf_counter()
        results[name] = leave_one_outlet_out(rows, VARIANTS[name])
        console.print(f"{name}: {time.perf_counter() - started:.0f} s", style="dim")
    models = fold_models(rows) if args.mixed or args.order else {}
    if args.mixed:
        started = time.perf_counter()
        results["+ batch adaptation, the three outlets as one mixed batch"] = mixed_feed(rows, models)
        console.print(f"mixed feed: {time.perf_counter() - started:.0f} s", style="dim")
    outlets = sorted({r["source"] for r in rows})
    base = results.get("baseline tfidf word+char svm")
    table = Table(title=f"leave-one-outlet-out, {len(rows)} articles (macro-F1 over the held-out outlet's classes)")
    table.add_column("variant")
    for outlet in outlets:
        table.add_column(f"F1 {outlet}", justify="right")
    for col in ("mean F1", "mean acc", "pooled F1", "F1 / baseline", "acc / baseline"):
        table.add_column(col, justify="right")
    for name, per in results.items():
        f1 = float(np.mean([per[o][0] for o in outlets]))
        acc = float(np.mean([per[o][1] for o in outlets]))
        ratios = ("-", "-")
        if base:
            base_f1 = float(np.mean([base[o][0] for o in outlets]))
            base_acc = float(np.mean([base[o][1] for o in outlets]))
            ratios = (f"{f1 / base_f1:.3f}", f"{acc / base_acc:.3f}")
        table.add_row(name, *(f"{per[o][0]:.3f}" for o in outlets), f"{f1:.4f}", f"{acc:.4f}",
                      f"{per['pooled'][0]:.4f}", *ratios)
    console.print(table)
    if args.teachers:
        started = time.perf_counter()
        plain_name = "+ written articles (shipped model; --no-adapt)"
        adapted_name = "+ batch adaptation (bawaba classify's default)"
        known = ({o: (results[plain_name][o][0], results[adapted_name][o][0]) for o in outlets}
                 if plain_name in results and adapted_name in results else None)
        taught = teachers(rows, known)
        console.print(f"teachers: {time.perf_counter() - started:.0f} s", style="dim")
        t_table = Table(title="one training outlet or two (shipped recipe + demo and written articles; macro-F1)")
        for col in ("held-out outlet", "trained on", "article by article", "adapted"):
            t_table.add_column(col, justify="right" if col in ("article by article", "adapted") else "left")
        for held, per in taught.items():
            for trained_on, (plain, adapted) in per.items():
                t_table.add_row(held, trained_on, f"{plain:.4f}", f"{adapted:.4f}")
        console.print("a training outlet without culture (skynewsarabia) cannot answer it: its row scores culture 0")
        console.print(t_table)
    if args.order:
        started = time.perf_counter()
        ordered = input_order(rows, models)
        console.print(f"input order: {time.perf_counter() - started:.0f} s", style="dim")
        o_table = Table(title="input order: bawaba classify's windows (adapted; macro-F1 per held-out outlet and window)")
        o_table.add_column("input")
        columns = list(next(iter(ordered.values())))
        for col in columns:
            o_table.add_column(col, justify="right")
        for order, scores in ordered.items():
            o_table.add_row(order, *(f"{scores[col]:.3f}" for col in columns))
        console.print(o_table)
    if args.ceiling:
        started = time.perf_counter()
        ceiling = seen_ceiling(rows)
        console.print(f"seen ceiling: {time.perf_counter() - started:.0f} s", style="dim")
        unseen = results.get("+ batch adaptation (bawaba classify's default)")
        plain_unseen = results.get("+ written articles (shipped model; --no-adapt)")
        c_table = Table(title="each outlet seen (other outlets + 4/5 of its own, 5 parts) against unseen (macro-F1)")
        for col in ("outlet", "seen, article by article", "seen, adapted", "unseen, article by article",
                    "unseen, adapted", "unseen / seen (adapted)"):
            c_table.add_column(col, justify="left" if col == "outlet" else "right")
        for outlet, (plain, adapted) in ceiling.items():
            u_plain = f"{plain_unseen[outlet][0]:.4f}" if plain_unseen else "-"
            u_adapted = f"{unseen[outlet][0]:.4f}" if unseen else "-"
            ratio = f"{unseen[outlet][0] / adapted:.3f}" if unseen else "-"
            c_table.add_row(outlet, f"{plain:.4f}", f"{adapted:.4f}", u_plain, u_adapted, ratio)
        mean_seen = float(np.mean([a for _, a in ceiling.values()]))
        c_table.add_row("mean", f"{np.mean([p for p, _ in ceiling.values()]):.4f}", f"{mean_seen:.4f}",
                        f"{np.mean([plain_unseen[o][0] for o in ceiling]):.4f}" if plain_unseen else "-",
                        f"{np.mean([unseen[o][0] for o in ceiling]):.4f}" if unseen else "-",
                        f"{np.mean([unseen[o][0] for o in ceiling]) / mean_seen:.3f}" if unseen else "-")
        console.print(c_table)
    s = speed(rows)
    sp_table = Table(title="shipped model")
    for col in ("file MB", "load s", "articles/s cold (per CPU s)", "articles/s warm (per CPU s)",
                "warm + adapted as one batch (per CPU s)"):
        sp_table.add_column(col, justify="right")
    sp_table.add_row(f"{s['size_mb']:.1f}", f"{s['load_s']:.3f}", f"{s['cold']:.0f} ({s['cold_cpu']:.0f})",
                     f"{s['warm']:.0f} ({s['warm_cpu']:.0f})", f"{s['adapted']:.0f} ({s['adapted_cpu']:.0f})")
    console.print(f"5,000 articles, section mapping + model + region; load average {os.getloadavg()[0]:.1f} "
                  f"on {os.cpu_count()} cores (the machine is shared: CPU-second rates are steadier)")
    console.print(sp_table)
    cli = cli_speed(rows)
    cli_table = Table(title=f"bawaba classify, the whole command on {min(6000, len(rows)):,} lines (lines/s, wall)")
    for col in cli:
        cli_table.add_column(col, justify="right")
    cli_table.add_row(*(f"{rate:.0f}" for rate in cli.values()))
    console.print(cli_table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
