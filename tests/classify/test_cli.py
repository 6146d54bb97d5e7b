"""``bawaba classify`` stdin JSONL -> JSONL in order; train and eval roundtrip."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bawaba.cli import app

from .test_classifier import SNIPPETS

runner = CliRunner()


def test_classify_stdin_roundtrip_in_order() -> None:
    order = ["economy", "sports", "technology", "sports", "culture", "politics"] * 50
    lines = [json.dumps({"title": SNIPPETS[k][0], "text": SNIPPETS[k][1]}, ensure_ascii=False) for k in order]
    lines.insert(3, "")  # blank lines are skipped, not answered
    result = runner.invoke(app, ["classify"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["category"] for o in out] == order
    assert all(set(o) == {"category", "confidence", "region"} for o in out)


def test_classify_uses_section() -> None:
    line = json.dumps({"title": SNIPPETS["economy"][0], "text": SNIPPETS["economy"][1], "section": "فن ومشاهير"})
    result = runner.invoke(app, ["classify"], input=line + "\n")
    assert json.loads(result.stdout)["category"] == "arts"


def test_classify_answers_a_topic_unless_abstaining(tmp_path: Path) -> None:
    """Unsure articles get the best topic by default; ``--abstain`` applies ingest's misc rule."""
    from bawaba.pipeline.classify import TopicModel, load_model

    flat = load_model()
    unsure = tmp_path / "unsure.npz"
    TopicModel.build(flat.spec, flat.classes, flat.idf, flat.coef, flat.intercept, threshold=1.01).save(unsure)
    line = json.dumps({"title": SNIPPETS["economy"][0], "text": SNIPPETS["economy"][1]}, ensure_ascii=False)
    best = runner.invoke(app, ["classify", "--model", str(unsure)], input=line + "\n")
    assert best.exit_code == 0, best.output
    assert json.loads(best.stdout)["category"] == "economy"
    abstained = runner.invoke(app, ["classify", "--model", str(unsure), "--abstain"], input=line + "\n")
    assert json.loads(abstained.stdout)["category"] == "misc"


def test_bad_line_is_an_error() -> None:
    result = runner.invoke(app, ["classify"], input="{not json\n")
    assert result.exit_code != 0


def test_train_then_eval(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    with data.open("w", encoding="utf-8") as fh:
        for label, (title, text) in SNIPPETS.items():
            words = text.split()
            for i in range(10):
                record = {"title": title, "text": " ".join(words[i:]), "category": label,
                          "source": f"site{i % 2}"}
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    model = tmp_path / "model.npz"
    trained = runner.invoke(app, ["classify", "train", "--data", str(data), "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    assert model.stat().st_size > 0
    evaluated = runner.invoke(app, ["classify", "eval", "--data", str(data), "--model", str(model)])
    assert evaluated.exit_code == 0, evaluated.output
    assert "confusion matrix" in evaluated.output
    assert "macro" in evaluated.output
    # the model learned its own training set: its rows carry perfect F1
    assert "1.000" in evaluated.output
