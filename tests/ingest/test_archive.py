"""Import → export round trips; bad lines are reported by number and the rest still lands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bawaba.cli import app

WORDS = ("الحكومة", "أعلنت", "اليوم", "عن", "خطة", "جديدة", "لدعم", "المزارعين", "في", "محافظات",
         "الصعيد", "وقال", "المتحدث", "الرسمي", "إن", "البرنامج", "يشمل", "قروضا", "ميسرة", "وتدريبا")


def make_articles(n: int) -> list[dict[str, object]]:
    out = []
    for i in range(n):
        body = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(60 + i % 17))
        out.append({
            "url": f"https://akhbar.example/news/{i}",
            "source": ["akhbar-alyawm", "sawt-alnil", "al-maydan"][i % 3],
            "title": f"خبر رقم {i}: {WORDS[i % len(WORDS)]} {WORDS[(i * 7) % len(WORDS)]}",
            "text": body + "\n\n" + f"فقرة ثانية للخبر {i}.",
            "published_at": f"2026-11-{1 + i % 24:02d}T{i % 24:02d}:15:00+00:00",
            "section": ["اقتصاد", "رياضة", "سياسة"][i % 3],
            "tags": ["وسم", f"t{i % 5}"],
            "images": [{"src": f"https://akhbar.example/img/{i}.jpg", "caption": "صورة توضيحية"}],
        })
    return out


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BAWABA_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    return tmp_path


def test_import_export_round_trip_300(env: Path) -> None:
    articles = make_articles(300)
    src = env / "in.jsonl"
    src.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["import", str(src), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["created"] == 300 and summary["errors"] == []

    again = runner.invoke(app, ["import", str(src), "--json"])
    assert json.loads(again.stdout)["created"] == 0  # idempotent

    out = runner.invoke(app, ["export", "--format", "jsonl"])
    assert out.exit_code == 0
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(rows) == 300
    by_url = {r["url"]: r for r in rows}
    for a in articles:
        row = by_url[str(a["url"])]
        assert row["title"] == a["title"] and row["text"] == a["text"]
        assert isinstance(row["id"], int)
        assert row["images"][0]["caption"] == "صورة توضيحية"

    stats = runner.invoke(app, ["stats", "--json"])
    data = json.loads(stats.stdout)
    assert data["articles"] == 300 and data["sources"] == 3

    csv_out = runner.invoke(app, ["export", "--format", "csv"])
    rows_csv = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert len(rows_csv) == 300 and {r["url"] for r in rows_csv} == set(by_url)


def test_export_since_filters(env: Path) -> None:
    src = env / "in.jsonl"
    src.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in make_articles(48)), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(src)]).exit_code == 0
    out = runner.invoke(app, ["export", "--since", "2026-11-20T00:00:00+00:00"])
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert rows and all(r["published_at"] >= "2026-11-20" for r in rows)
    assert len(rows) < 48


def test_export_by_category_and_region(env: Path) -> None:
    src = env / "in.jsonl"
    src.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in make_articles(30)), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(src)]).exit_code == 0

    def exported(*args: str) -> list[dict[str, object]]:
        out = runner.invoke(app, ["export", *args])
        assert out.exit_code == 0, out.output
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]

    everything = exported()
    sports = exported("--category", "sports")
    assert sports and {r["category"] for r in sports} == {"sports"}
    assert len(sports) == sum(r["category"] == "sports" for r in everything)
    for place in ("egypt", "arab", "world"):
        rows = exported("--region", place)
        assert len(rows) == sum(r["region"] == place for r in everything)
        assert all(r["region"] == place for r in rows)
    assert exported("--region", "egypt")  # the Upper Egypt governorates the articles name
    bad = runner.invoke(app, ["export", "--region", "mars"])
    assert bad.exit_code != 0 and "--region must be one of egypt, arab, world" in str(bad.exception)


def test_bad_lines_reported_rest_imported(env: Path) -> None:
    good = make_articles(5)
    lines = [
        json.dumps(good[0], ensure_ascii=False),
        "{not json",
        json.dumps({"url": "https://x.example/1", "title": "بلا نص", "source": "x"}, ensure_ascii=False),
        json.dumps(good[1], ensure_ascii=False),
        json.dumps({**good[2], "text": "ن" * 3_000_000}, ensure_ascii=False),  # huge field
        json.dumps({**good[3], "url": "javascript:alert(1)"}),
        json.dumps({**good[4], "published_at": "أمس"}, ensure_ascii=False),
        "[1, 2, 3]",
        json.dumps({**good[2], "html": "<p>نص</p><script>alert(1)</script><img src=x onerror=alert(1)>"},
                   ensure_ascii=False),
    ]
    src = env / "bad.jsonl"
    src.write_bytes(("\n".join(lines) + "\n").encode("utf-8") + b"\xff\xfe broken utf8\n")
    res = CliRunner().invoke(app, ["import", str(src), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["created"] == 3
    assert sorted(e["line"] for e in summary["errors"]) == [2, 3, 5, 6, 7, 8, 10]
    out = CliRunner().invoke(app, ["export"])
    html = " ".join(json.loads(line)["html"] for line in out.stdout.splitlines() if line.strip())
    assert "<script" not in html and "onerror" not in html


def test_missing_file_is_one_line_error(env: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "bawaba", "import", str(env / "nope.jsonl")],
                          capture_output=True, text=True, env={"BAWABA_DATABASE_URL": f"sqlite:///{env / 'a.db'}",
                                                                "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "no such file" in proc.stderr
