"""``bawaba demo-sites`` prints the sites and writes the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from bawaba.commands.demo import register


def test_demo_sites_writes_manifest_and_lists_sites(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:
        """Keeps typer in multi-command mode."""

    out = tmp_path / "manifest.json"
    result = CliRunner().invoke(
        app,
        ["demo-sites", "--port", "0", "--manifest", str(out), "--seconds", "0.01"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text("utf-8"))
    assert len(data["sites"]) >= 7
    for site in data["sites"]:
        assert site["base_url"] + "/" in result.output
        assert site["kind"] in result.output
    assert "manifest written to" in result.output
