"""`fincast benchmark generate`: timing generation and writing of synthetic households."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fincast.benchmarks.generate import bench_generate
from fincast.cli.main import app
from fincast.synth import FILES, generate_households

runner = CliRunner()


def _table(output: str) -> dict[str, str]:
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 2 and cells[0] and cells[0] != "measure":
            rows[cells[0]] = cells[1]
    return rows


def test_cli_benchmark_generate_prints_a_table() -> None:
    result = runner.invoke(app, ["benchmark", "generate", "--users", "3", "--months", "2"])
    assert result.exit_code == 0, result.output
    table = _table(result.output)
    rows = len(generate_households(3, 2, 42).transactions)
    assert table["users"] == "3" and table["months"] == "2" and table["seed"] == "42"
    assert int(table["rows"].replace(",", "")) == rows
    assert int(table["rows_per_second"].replace(",", "")) > 0
    assert {"generate_seconds", "write_seconds", "cpu_seconds", "mb_written"} <= set(table)


def test_bench_generate_reports_consistent_timings(tmp_path: Path) -> None:
    result = bench_generate(5, 4, 1, out_dir=tmp_path)
    assert result["rows"] == len(generate_households(5, 4, 1).transactions)
    assert result["rows_per_user_month"] == round(result["rows"] / 20, 1)
    # Each figure is rounded to 0.01 s on its own.
    parts = result["generate_seconds"] + result["write_seconds"]
    assert parts == pytest.approx(result["seconds"], abs=0.011)
    written = sum((tmp_path / name).stat().st_size for name in FILES.values())
    assert result["mb_written"] == round(written / 1e6, 1)
    assert {"date", "machine", "load_average_1min", "cpu_seconds"} <= set(result)


def test_bench_generate_removes_its_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    bench_generate(2, 2, 1)
    assert list(tmp_path.iterdir()) == []
