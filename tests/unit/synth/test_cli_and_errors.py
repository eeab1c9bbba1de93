"""Argument errors, the CLI commands and the database wiring."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fincast.cli import main as cli_main
from fincast.errors import InputError
from fincast.synth import FILES, generate_households

runner = CliRunner()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_users": 0}, "users must be a whole number of at least 1"),
        ({"n_users": -3}, "users must be"),
        ({"n_months": 0}, "months must be a whole number of at least 1"),
        ({"seed": -1}, "seed must be a non-negative"),
        ({"start": "2023"}, "start must look like YYYY-MM"),
        ({"start": "2023-13"}, "start month must be 01..12"),
        ({"start": "jan-2023"}, "start must look like YYYY-MM"),
        ({"start": "1800-01"}, "start year must be between"),
    ],
)
def test_bad_arguments_raise_input_error(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"n_users": 2, "n_months": 2, "seed": 1, "start": "2023-01"}
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        generate_households(**args)  # type: ignore[arg-type]


def test_cli_generate_writes_the_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        cli_main.app,
        [
            "generate",
            "--users",
            "4",
            "--months",
            "3",
            "--seed",
            "9",
            "--out",
            str(out),
            "--start",
            "2024-06",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES.values())
    assert "transactions" in result.output
    header = (out / "transactions.csv").read_text().splitlines()[1]
    assert header.startswith("u00001,") and ",2024-06-" in header


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--users", "0"], "users must be a whole number of at least 1"),
        (["--months", "0"], "months must be a whole number of at least 1"),
        (["--start", "2023/01"], "start must look like YYYY-MM"),
    ],
)
def test_cli_bad_arguments_fail_with_the_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(cli_main.app, ["generate", "--out", str(tmp_path), *args])
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError)
    assert message in str(result.exception)


def test_main_prints_one_line_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys, "argv", ["fincast", "generate", "--users", "0", "--out", str(tmp_path)]
    )
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: users must be a whole number of at least 1, got 0"


def test_cli_into_db_loads_the_transactions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_engine: object
) -> None:
    from fincast.services import database

    monkeypatch.setattr(database, "engine", lambda *a, **k: sqlite_engine)
    result = runner.invoke(
        cli_main.app,
        [
            "generate",
            "--users",
            "2",
            "--months",
            "2",
            "--seed",
            "4",
            "--out",
            str(tmp_path),
            "--into-db",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = len((tmp_path / "transactions.csv").read_text().splitlines()) - 1
    assert f"'rows': {rows}" in result.output
    assert f"'imported': {rows}" in result.output
