"""`fincast benchmark api`: the scenario, a real ``fincast serve``, every phase, the report.

A smoke run of a few seconds per load generator; no figure is asserted, only that every
phase measured requests without errors and that writes were read back.
"""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from fincast.benchmarks import api_load
from fincast.cli.main import app
from tests.support.population import worker_models_dir

runner = CliRunner()
PHASES = {
    api_load.LIST,
    api_load.MONTHLY,
    api_load.PREDICT,
    api_load.WRITE,
    api_load.LIST_DURING_WRITES,
}
TOOLS = [
    "python",
    pytest.param(
        "wrk", marks=pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed")
    ),
]


@pytest.mark.parametrize("tool", TOOLS)
def test_cli_benchmark_api_measures_every_phase(tool: str) -> None:
    worker_models_dir()  # the server inherits FINCAST_MODELS_DIR: no training in the run
    args = ["--clients", "5", "--seconds", "1", "--users", "2", "--months", "4"]
    args += ["--workers", "1", "--checks", "2", "--tool", tool, "--json"]
    result = runner.invoke(app, ["benchmark", "api", *args])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    rows = {r["endpoint"]: r for r in report["rows"]}
    assert set(rows) == PHASES
    assert report["tool"] == tool and report["backend"] == "sqlite"
    for row in rows.values():
        assert row["errors"] == 0, row
        assert row["requests"] > 0 and row["rps"] > 0
        assert row["p50_ms"] <= row["p99_ms"] <= row["max_ms"]
    assert rows[api_load.WRITE]["connections"] == 1
    assert report["read_after_write"] == {"checks": 2, "stale_list": 0, "stale_monthly": 0}
    assert all(isinstance(t["met"], bool) and t["measured"] for t in report["targets"])
    assert len(report["targets"]) == 4


def test_markdown_report_names_every_target() -> None:
    row = {"endpoint": "", "rps": 400.0, "p99_ms": 10.0, "errors": 0}
    rows = [{**row, "endpoint": name} for name in PHASES]
    consistency = {"checks": 3, "stale_list": 0, "stale_monthly": 1}
    verdicts = api_load.targets(rows, consistency)
    assert [v["met"] for v in verdicts] == [True, True, True, False]  # one stale read
    slow = [{**r, "p99_ms": 400.0} if r["endpoint"] == api_load.LIST else r for r in rows]
    assert not api_load.targets(slow, {**consistency, "stale_monthly": 0})[0]["met"]
    report = {"rows": rows, "read_after_write": consistency, "targets": verdicts}
    text = api_load.to_markdown(report)
    verdict_rows = [line for line in text.splitlines() if not line.startswith("| target |")]
    assert sum(line.endswith("| met |") for line in verdict_rows) == 3
    assert sum(line.endswith("| MISSED |") for line in verdict_rows) == 1
