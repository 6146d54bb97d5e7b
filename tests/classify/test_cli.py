"""``bawaba classify`` stdin JSONL -> JSONL in order; train and eval roundtrip."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bawaba.cli import app
from bawaba.errors import ImportLineError

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


def test_classify_always_names_a_region() -> None:
    """An article naming no place gets the region ingest would give it, never null."""
    from .test_recategorize import PLACELESS

    lines = [json.dumps({"title": PLACELESS[0], "text": PLACELESS[1], **extra}, ensure_ascii=False)
             for extra in ({}, {"section": "شؤون دولية"})]
    result = runner.invoke(app, ["classify"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["region"] for line in result.stdout.splitlines()] == ["egypt", "world"]
    # --home-region is a source's home_region: placeless news is the outlet's own, world news stays abroad
    result = runner.invoke(app, ["classify", "--home-region", "arab"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["region"] for line in result.stdout.splitlines()] == ["arab", "world"]
    refused = runner.invoke(app, ["classify", "--home-region", "gulf"], input="\n".join(lines) + "\n")
    assert refused.exit_code == 2 and "must be one of egypt, arab, world" in refused.output


def test_classify_reads_odd_fields_or_names_the_bad_line() -> None:
    """Numbers and paragraph lists are read as text; any other type is a one-line error, no traceback."""
    good = [{"title": 2026, "text": [SNIPPETS["sports"][0], SNIPPETS["sports"][1]]}, {"title": None}, {}]
    result = runner.invoke(app, ["classify", "--no-adapt"],
                           input="".join(json.dumps(r, ensure_ascii=False) + "\n" for r in good))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["category"] == "sports"
    bad = runner.invoke(app, ["classify"], input='{"title": "x"}\n{"title": "y", "text": {"p": 1}}\n')
    # the CLI's entry point prints an ImportLineError as one "error: line N: ..." line
    assert isinstance(bad.exception, ImportLineError)
    assert str(bad.exception) == "line 2: 'text' must be a string, got dict"


def test_classify_survives_bytes_that_are_not_utf8() -> None:
    """A BOM and a stray windows-1256 byte cost nothing: every line is answered."""
    sports = json.dumps({"title": SNIPPETS["sports"][0], "text": SNIPPETS["sports"][1]}, ensure_ascii=False)
    data = b"\xef\xbb\xbf" + sports.encode() + b"\n" + sports.encode().replace("مباراة".encode(), b"\xe3") + b"\n"
    result = runner.invoke(app, ["classify", "--no-adapt"], input=data)
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["category"] for line in result.stdout.splitlines()] == ["sports", "sports"]


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


def test_eval_scores_regions_where_records_carry_them(tmp_path: Path) -> None:
    from .test_recategorize import PLACELESS

    cases = [("القاهرة", "egypt"), ("بغداد", "arab"), ("طوكيو", "world")] * 2
    data = tmp_path / "regions.jsonl"
    lines = [{"title": f"{SNIPPETS['economy'][0]} في {place}", "text": SNIPPETS["economy"][1],
              "category": "economy", "region": region} for place, region in cases]
    # one wrong label and one record without a region, which is not scored
    lines += [{"title": PLACELESS[0], "text": PLACELESS[1], "category": "technology", "region": "world"},
              {"title": PLACELESS[0], "text": PLACELESS[1], "category": "technology"}]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    evaluated = runner.invoke(app, ["classify", "eval", "--data", str(data)])
    assert evaluated.exit_code == 0, evaluated.output
    assert "region (7 labelled articles, accuracy 0.857)" in evaluated.output
    unlabelled = tmp_path / "plain.jsonl"
    unlabelled.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "region"}, ensure_ascii=False)
                                  + "\n" for r in lines), encoding="utf-8")
    assert "region (" not in runner.invoke(app, ["classify", "eval", "--data", str(unlabelled)]).output


def test_parallel_scoring_answers_as_one_process() -> None:
    """``--workers 2`` spreads the scoring over forked processes; every line's answer (category,
    confidence, region) is the one a single process gives, in the same order, adapted or not."""
    places = ["القاهرة", "بغداد", "باريس", "الإسكندرية", "طوكيو", "الرباط", ""]
    kinds = list(SNIPPETS)
    lines = []
    for i in range(700):
        title, text = SNIPPETS[kinds[i % 5]]
        place = places[(i // 5) % len(places)]
        lines.append(json.dumps({"title": f"{title} في {place}" if place else title, "text": f"{text} ({i})"},
                                ensure_ascii=False))
    stdin = "\n".join(lines) + "\n"
    for flags in ([], ["--no-adapt"]):
        answers = {}
        for workers in ("1", "2"):
            result = runner.invoke(app, ["classify", "--workers", workers, "--window", "600", *flags], input=stdin)
            assert result.exit_code == 0, result.output
            answers[workers] = result.stdout.splitlines()
        assert len(answers["1"]) == 700
        assert answers["1"] == answers["2"]
        assert {json.loads(line)["region"] for line in answers["2"]} >= {"egypt", "arab", "world"}


def test_scoring_pool_needs_two_workers() -> None:
    from bawaba.commands.classify import scoring_pool
    from bawaba.pipeline.classify import load_model

    with scoring_pool(load_model(), 1) as scorer:
        assert scorer is None
