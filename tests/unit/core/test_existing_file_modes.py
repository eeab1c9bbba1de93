"""A data folder made earlier with wide modes is made private when fincast starts."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from fincast.api import create_app
from fincast.config import Settings, get_settings, tighten_private_tree, write_private_file
from fincast.services import database


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture()
def old_data_dir(tmp_path: Path) -> Path:
    """A data folder as an older fincast (or a 022 umask) left it: 0755 and 0644."""
    data = tmp_path / "var"
    (data / "models" / "users" / "7").mkdir(parents=True)
    for folder in (
        data,
        data / "models",
        data / "models" / "users",
        data / "models" / "users" / "7",
    ):
        os.chmod(folder, 0o755)
    for name in ("fincast.db", "fincast.db-wal", "run.log", "secret.key"):
        (data / name).write_bytes(b"x")
        os.chmod(data / name, 0o644)
    for name in ("panel.npz", "panel.meta.json"):
        path = data / "models" / "users" / "7" / name
        path.write_bytes(b"x")
        os.chmod(path, 0o644)
    return data


def _assert_private(data: Path) -> None:
    assert _mode(data) == 0o700
    for folder, dirs, files in os.walk(data):
        for name in dirs:
            assert _mode(Path(folder) / name) == 0o700, name
        for name in files:
            assert _mode(Path(folder) / name) == 0o600, name


def test_tightening_makes_every_folder_0700_and_file_0600(old_data_dir: Path) -> None:
    tighten_private_tree(old_data_dir)
    _assert_private(old_data_dir)


def test_symlinks_are_not_followed(old_data_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "shared.txt"
    outside.write_text("not fincast's")
    os.chmod(outside, 0o644)
    (old_data_dir / "link").symlink_to(outside)
    tighten_private_tree(old_data_dir)
    assert _mode(outside) == 0o644


def test_the_app_tightens_an_old_data_folder_at_startup(old_data_dir: Path) -> None:
    settings = Settings(_env_file=None, env="test", data_dir=old_data_dir, models_dir=None)  # type: ignore[call-arg]
    create_app(settings=settings)
    _assert_private(old_data_dir)


@pytest.fixture()
def configured_data_dir(old_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FINCAST_DATA_DIR", str(old_data_dir))
    monkeypatch.delenv("FINCAST_MODELS_DIR", raising=False)
    monkeypatch.delenv("FINCAST_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        yield old_data_dir
    finally:
        get_settings.cache_clear()


def test_the_cli_tightens_an_old_data_folder_at_startup(configured_data_dir: Path) -> None:
    (configured_data_dir / "fincast.db").unlink()  # a real database, migrated on first use
    engine = database.migrated_engine(f"sqlite:///{configured_data_dir / 'fincast.db'}")
    engine.dispose()
    _assert_private(configured_data_dir)


def test_a_private_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    write_private_file(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert _mode(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
