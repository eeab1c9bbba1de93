import json

import pytest
from typer.testing import CliRunner

from fincast.cli.main import app
from fincast.config import get_settings
from fincast.db.engine import get_engine


@pytest.fixture()
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("FINCAST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("FINCAST_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_every_command_has_help() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for cmd in ("db", "users", "load-household", "panel", "run", "generate", "import", "serve"):
        assert cmd in result.output
        sub = runner.invoke(app, [cmd, "--help"])
        assert sub.exit_code == 0, (cmd, sub.output)


def test_db_upgrade_and_current(cli_env) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    out = runner.invoke(app, ["db", "current"]).output
    assert "up to date" in out


def test_load_household_and_panel(cli_env, shared_data) -> None:
    runner = CliRunner()
    path = shared_data / "personal-finance" / "personal_transactions_normalized.csv"
    res = runner.invoke(app, ["load-household", str(path), "--user", "me@example.com"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["imported"] == 806
    out = cli_env / "panel.csv"
    res = runner.invoke(app, ["panel", "--out", str(out), "--user", "me@example.com"])
    assert res.exit_code == 0, res.output
    assert out.read_text().startswith("unique_id,ds,y\n")


def test_bad_input_is_one_line_and_nonzero(cli_env, tmp_path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fincast.cli.main",
            "panel",
            "--out",
            str(tmp_path / "x.csv"),
            "--as-of",
            "2024-13-40",
        ],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "FINCAST_DATA_DIR": str(tmp_path / "v")},
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error:") and "2024-13-40" in proc.stderr
    assert "Traceback" not in proc.stderr
