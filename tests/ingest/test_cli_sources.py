"""sources add / list / export / import through the CLI, against the demo network."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bawaba.cli import app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BAWABA_DATABASE_URL", f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.setenv("BAWABA_ALLOW_PRIVATE_ADDRESSES", "1")
    monkeypatch.setenv("BAWABA_HOST_DELAY_S", "0")
    return tmp_path


def test_sources_add_list_export_import(network: Any, env: Path) -> None:
    runner = CliRunner()
    kinds = set()
    for url in network.source_urls():
        res = runner.invoke(app, ["sources", "add", url, "--json"])
        assert res.exit_code == 0, res.output
        added = json.loads(res.stdout)
        assert added["feeds"], url
        kinds |= {f["kind"] for f in added["feeds"]}
    # RSS via <link rel=alternate>, Atom, and sitemaps found through robots.txt
    assert {"rss", "atom"} <= kinds and kinds & {"sitemap", "sitemap_index", "news_sitemap"}

    listed = json.loads(runner.invoke(app, ["sources", "list", "--json"]).stdout)
    assert len(listed) == len(network.source_urls())
    assert all(r["last_fetch_at"] is None and r["error_streak"] == 0 for r in listed)

    opml = runner.invoke(app, ["sources", "export", "--opml"]).stdout
    assert opml.lstrip().startswith("<?xml") and "<opml" in opml
    path = env / "sources.opml"
    path.write_text(opml, encoding="utf-8")

    # a fresh store imported from that OPML has the same sources and feeds
    os.environ["BAWABA_DATABASE_URL"] = f"sqlite:///{env / 'other.db'}"
    res = runner.invoke(app, ["sources", "import", str(path)])
    assert res.exit_code == 0, res.output
    again = json.loads(runner.invoke(app, ["sources", "list", "--json"]).stdout)
    assert sorted((r["slug"], r["feeds"]) for r in again) == sorted((r["slug"], r["feeds"]) for r in listed)


def test_sources_add_refuses_loopback_by_default(network: Any, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BAWABA_ALLOW_PRIVATE_ADDRESSES", "0")
    proc = subprocess.run([sys.executable, "-m", "bawaba", "sources", "add", network.source_urls()[0]],
                          capture_output=True, text=True, env=os.environ.copy(), timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "error:" in proc.stderr


def test_crawl_forever_stops_cleanly_on_sigterm(network: Any, env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["sources", "add", network.source_urls()[0]]).exit_code == 0
    proc = subprocess.Popen([sys.executable, "-m", "bawaba", "crawl", "--forever", "--json"],
                            env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            stats = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
            if stats["articles"] > 0 and stats["due_feeds"] == 0:
                break
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert stats["articles"] > 0
