"""`fincast benchmark api`: closed-loop clients against a real ``fincast serve`` on loopback."""

from __future__ import annotations

from typer.testing import CliRunner

from fincast.cli.main import app

runner = CliRunner()
ENDPOINTS = {
    "GET /api/transactions",
    "GET /api/transactions (filtered)",
    "POST /api/predict/expense",
    "POST /api/predict/categories",
    "POST /api/predict/savings",
}


def _markdown_rows(output: str) -> dict[str, dict[str, str]]:
    lines = [line for line in output.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = [
        dict(zip(header, (c.strip() for c in line.strip("|").split("|")))) for line in lines[2:]
    ]
    return {r["endpoint"]: r for r in rows}


def test_cli_benchmark_api_measures_every_endpoint() -> None:
    args = ["--clients", "2", "--seconds", "1", "--users", "1", "--months", "4"]
    result = runner.invoke(app, ["benchmark", "api", *args])
    assert result.exit_code == 0, result.output
    rows = _markdown_rows(result.output)
    assert set(rows) == {*ENDPOINTS, "all"}
    for row in rows.values():
        assert row["errors"] == "0"
        assert int(row["requests"]) > 0 and float(row["rps"]) > 0
        assert float(row["p50_ms"]) <= float(row["p99_ms"]) <= float(row["max_ms"])
    assert int(rows["all"]["requests"]) == sum(int(rows[e]["requests"]) for e in ENDPOINTS)
