"""`fincast benchmark panel`: the monthly panel build timed over loaded synthetic households."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from fincast.cli.main import app

runner = CliRunner()


def _run(url: str) -> dict[str, Any]:
    args = ["benchmark", "panel", "--users", "2", "--months", "3", "--repeats", "2"]
    result = runner.invoke(app, [*args, "--database-url", url])
    assert result.exit_code == 0, result.output
    # The JSON object is the last line; the loading progress bar comes before it.
    out: dict[str, Any] = json.loads(result.output.strip().splitlines()[-1])
    return out


def test_cli_benchmark_panel_loads_once_then_reuses_the_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'panel.db'}"
    first = _run(url)
    assert first["dialect"] == "sqlite"
    assert first["transactions"] > 0 and first["load_seconds"] is not None
    assert first["series"] > 2 * 3  # income, expense, savings and categories per user
    assert first["panel_rows"] == first["series"] * 3  # every series covers all 3 months
    assert len(first["build_seconds_all"]) == 2
    assert first["build_seconds_best"] == min(first["build_seconds_all"])
    again = _run(url)
    assert again["load_seconds"] is None
    assert again["transactions"] == first["transactions"]
    assert again["panel_rows"] == first["panel_rows"]
