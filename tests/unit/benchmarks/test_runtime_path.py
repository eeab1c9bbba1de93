"""Benchmark code stays off the runtime path: one command group, loaded only when run."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from fincast.cli.main import app

runner = CliRunner()
COMMANDS = ("forecast", "generate", "import", "panel", "api")


def test_importing_the_api_and_the_cli_loads_no_benchmark_code() -> None:
    code = (
        "import sys, fincast.api.app, fincast.cli.main\n"
        "print(sorted(m for m in sys.modules if m.startswith('fincast.benchmarks')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_every_benchmark_is_a_benchmark_subcommand() -> None:
    result = runner.invoke(app, ["benchmark", "--help"])
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        assert f" {name} " in result.output
    for name in COMMANDS:
        assert runner.invoke(app, [f"bench-{name}", "--help"]).exit_code != 0
