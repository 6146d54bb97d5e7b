"""Acceptance through the CLI: ``bawaba import`` of JSONL, then ``bawaba export`` gives
``duplicate_of`` (the original's id) and ``story_id`` as the issue asks.

Held-out corpus: invented articles of outlets and copiers the defaults were not tuned on
(tests/stories/corpus.py), and the demo network's manifest (its aggregator's copies and its
multi-source stories).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Hashable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bawaba.cli import app
from bawaba.demo import start_network

sys.path.insert(0, str(Path(__file__).parent))
from corpus import generate


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BAWABA_DATABASE_URL", f"sqlite:///{tmp_path / 'accept.db'}")
    return tmp_path


def import_and_export(rows: Iterable[dict[str, Any]], tmp: Path) -> dict[str, dict[str, Any]]:
    """Write ``rows`` as JSONL, import and export them with the CLI; exported rows by URL."""
    src = tmp / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["import", str(src), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["errors"] == [] and summary["created"] == summary["lines"]
    out = tmp / "out.jsonl"
    res = runner.invoke(app, ["export", "--format", "jsonl", "--output", str(out)])
    assert res.exit_code == 0, res.output
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {r["url"]: r for r in exported}


def pair_f1(gold: dict[str, str | None], rows: dict[str, dict[str, Any]]) -> float:
    """F1 of (copy -> original) pairs: gold maps url -> original url (None for originals)."""
    id_of = {url: r["id"] for url, r in rows.items()}
    tp = fp = fn = 0
    for url, original in gold.items():
        want = id_of[original] if original else None
        got = rows[url]["duplicate_of"]
        tp += got is not None and got == want
        fp += got is not None and got != want
        fn += want is not None and got != want
    return 2 * tp / max(2 * tp + fp + fn, 1)


def bcubed_f1(gold: dict[str, Hashable], pred: dict[str, Hashable]) -> float:
    """B-cubed F1 of two clusterings of the same items."""
    gold_cl: dict[Hashable, set[str]] = defaultdict(set)
    pred_cl: dict[Hashable, set[str]] = defaultdict(set)
    for item in gold:
        gold_cl[gold[item]].add(item)
        pred_cl[pred[item]].add(item)
    p = sum(len(gold_cl[gold[i]] & pred_cl[pred[i]]) / len(pred_cl[pred[i]]) for i in gold) / len(gold)
    r = sum(len(gold_cl[gold[i]] & pred_cl[pred[i]]) / len(gold_cl[gold[i]]) for i in gold) / len(gold)
    return 2 * p * r / (p + r)


def test_import_export_held_out_republications(db: Path) -> None:
    arts = generate(70, seed=57, outlets=("bayan", "yaqin", "sahar", "wafa"), copiers=("sada-net", "ittisal"))
    rows = [{**g.as_json(), "first_seen": (g.published_at + timedelta(hours=1)).isoformat()} for g in arts]
    exported = import_and_export(rows, db)
    assert len(exported) == len(arts)
    url_of = {g.key: g.url for g in arts}
    gold_dup = {g.url: url_of[g.original] if g.original else None for g in arts}
    assert sum(v is not None for v in gold_dup.values()) >= 40  # enough copies to mean something
    assert pair_f1(gold_dup, exported) >= 0.98
    story_f1 = bcubed_f1({g.url: g.story for g in arts}, {u: r["story_id"] for u, r in exported.items()})
    assert story_f1 >= 0.90
    res = CliRunner().invoke(app, ["stats", "--json"])
    assert res.exit_code == 0, res.output
    share = {r["source"]: r for r in json.loads(res.stdout)["republication"]}
    for copier in ("sada-net", "ittisal"):  # copiers republish, outlets do not
        assert share[copier]["share"] >= 0.9 and share[copier]["mostly_from"] in {"bayan", "yaqin", "sahar", "wafa"}
    assert all(share[o]["copies"] == 0 for o in ("bayan", "yaqin", "sahar", "wafa") if o in share)


def test_demo_network_stories_and_aggregator_copies(db: Path) -> None:
    network = start_network(delay_scale=0)
    try:
        manifest = network.manifest()
    finally:
        network.stop()
    gold = [a for a in manifest["articles"] if not a["broken"]]
    rows = [{"url": a["url"], "source": a["site"], "title": a["title"], "text": a["text"],
             "published_at": a["published_at"]} for a in gold]
    exported = import_and_export(rows, db)
    copies = [a for a in gold if not a["original"]]
    assert copies
    for a in copies:
        # the aggregator's copies point to their originals, or to the earlier article that the
        # original itself repeats: a few demo "house-style rewrites" keep ~75% of another
        # outlet's text with a new lead, and the earliest article copied wins
        original = exported[a["original_url"]]
        assert exported[a["url"]]["duplicate_of"] in {original["id"], original["duplicate_of"]} - {None}, a["url"]
    by_story: dict[str, list[str]] = defaultdict(list)
    for a in gold:
        if a["story_id"]:
            by_story[a["story_id"]].append(a["url"])
    multi = {s: urls for s, urls in by_story.items() if len({exported[u]["source"] for u in urls}) > 1}
    assert len(multi) >= 10
    whole = [s for s, urls in multi.items() if len({exported[u]["story_id"] for u in urls}) == 1]
    # every multi-source story comes out whole, also the outlets' rewrites with their own title
    # and lead that share only numbers and phrases further down (see docs/STORIES.md)
    assert sorted(whole) == sorted(multi)
    assert pair_f1({a["url"]: a["original_url"] for a in gold}, exported) >= 0.9
    singles = {a["url"]: a["story_id"] or a["url"] for a in gold}
    assert bcubed_f1(singles, {u: r["story_id"] for u, r in exported.items()}) >= 0.97
