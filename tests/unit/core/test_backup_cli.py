"""`fincast backup` / `fincast restore` through the CLI on a SQLite file."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fincast.cli.main import app
from fincast.config import get_settings
from fincast.db.engine import get_engine


@pytest.fixture()
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    def use(name: str) -> None:
        monkeypatch.setenv("FINCAST_DATA_DIR", str(tmp_path / "var"))
        monkeypatch.setenv("FINCAST_DATABASE_URL", f"sqlite:///{tmp_path / name}")
        get_settings.cache_clear()
        get_engine.cache_clear()

    yield use
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_backup_and_restore_commands(db_url: Any, tmp_path: Path) -> None:
    runner = CliRunner()
    db_url("one.db")
    made = runner.invoke(
        app, ["users", "create", "cli@example.com", "--password", "Backup-Pass-4821-xyz"]
    )
    assert made.exit_code == 0, made.output
    out = tmp_path / "b.zip"
    result = runner.invoke(app, ["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "rows in" in result.output

    db_url("two.db")
    result = runner.invoke(app, ["restore", str(out)])
    assert result.exit_code == 0, result.output
    assert "restored" in result.output
    with sqlite3.connect(tmp_path / "two.db") as conn:
        emails = [r[0] for r in conn.execute("SELECT email FROM users")]
    assert emails == ["cli@example.com"]
    again = runner.invoke(app, ["restore", str(out)])
    assert again.exit_code != 0
    assert "--force" in str(again.exception)
    forced = runner.invoke(app, ["restore", str(out), "--force"])
    assert forced.exit_code == 0, forced.output


def test_commands_have_help() -> None:
    runner = CliRunner()
    for cmd in ("backup", "restore"):
        result = runner.invoke(app, [cmd, "--help"])
        assert result.exit_code == 0, result.output
