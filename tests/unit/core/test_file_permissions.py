"""Files and folders fincast creates are private to its user, whatever the umask."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from fincast.config import DEFAULT_SECRET, Settings, get_settings
from fincast.db.engine import make_engine
from fincast.errors import ConfigError
from fincast.services.forecasting import modelfiles
from fincast.services.forecasting.modelfiles import list_models, save_model_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def open_umask() -> Iterator[None]:
    """Run with the permissive umask most systems default to."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture()
def no_configured_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings with no FINCAST_SECRET_KEY and a fresh data folder; yields the folder."""
    data_dir = tmp_path / "data"
    monkeypatch.delenv("FINCAST_SECRET_KEY", raising=False)
    monkeypatch.setenv("FINCAST_ENV", "development")
    monkeypatch.setenv("FINCAST_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    try:
        yield data_dir
    finally:
        get_settings.cache_clear()


def test_sqlite_database_wal_and_folder_are_private(tmp_path: Path, open_umask: None) -> None:
    folder = tmp_path / "var"
    db = folder / "fincast.db"
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT x FROM t")).scalar() == 1
            wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
            assert wal.exists() and shm.exists()
            assert _mode(wal) == 0o600 and _mode(shm) == 0o600
        assert _mode(folder) == 0o700
        assert _mode(db) == 0o600
    finally:
        engine.dispose()


def test_an_existing_database_file_is_made_private(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "old.db"
    db.touch(mode=0o644)
    os.chmod(db, 0o644)
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert _mode(db) == 0o600
    finally:
        engine.dispose()


def test_model_files_and_folders_are_private(tmp_path: Path, open_umask: None) -> None:
    models = tmp_path / "models" / "users" / "7"
    save_model_file(models, "m", "x", {"a": np.arange(3)})
    for folder in (tmp_path / "models", tmp_path / "models" / "users", models):
        assert _mode(folder) == 0o700, folder
    assert _mode(models / "m.npz") == 0o600
    assert _mode(models / "m.meta.json") == 0o600
    # Overwriting a file left readable by an older version tightens it too.
    os.chmod(models / "m.npz", 0o644)
    save_model_file(models, "m", "x", {"a": np.arange(4)})
    assert _mode(models / "m.npz") == 0o600


def test_without_a_configured_secret_a_random_key_is_made_in_the_data_folder(
    no_configured_secret: Path, open_umask: None
) -> None:
    settings = get_settings()
    assert settings.secret_key.get_secret_value() == DEFAULT_SECRET  # nothing configured
    key = settings.signing_key()
    key_file = no_configured_secret / "secret.key"
    assert key_file.is_file() and _mode(key_file) == 0o600
    assert _mode(no_configured_secret) == 0o700
    assert len(key) >= 32 and key != DEFAULT_SECRET.encode()
    assert get_settings().signing_key() == key  # the same key on every use
    other = Settings(data_dir=no_configured_secret.parent / "other")
    assert other.signing_key() != key  # every installation has its own


def test_metadata_re_signed_with_the_development_key_is_refused(
    no_configured_secret: Path,
) -> None:
    models = no_configured_secret / "models"
    save_model_file(models, "m", "x", {"a": np.arange(3)})
    meta_path = models / "m.meta.json"
    meta = json.loads(meta_path.read_text())
    meta["horizon"] = 99
    body = {k: v for k, v in meta.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    meta["signature"] = hmac.new(
        DEFAULT_SECRET.encode(), canonical.encode(), hashlib.sha256
    ).hexdigest()
    meta_path.write_text(json.dumps(meta))
    [entry] = list_models(models)
    assert entry["valid"] is False and "signature" in entry["error"]
    assert modelfiles.sign(meta) != meta["signature"]


def test_a_configured_secret_is_used_as_is(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path / "d", secret_key="a-configured-secret-0123456789abcdef")
    assert s.signing_key() == b"a-configured-secret-0123456789abcdef"
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(
    "secret",
    [
        " " * 32,
        " " * 40,
        "x" * 40,
        "ab" * 20,
        "0123456" * 5,
        "short",
        DEFAULT_SECRET,
    ],
)
def test_production_refuses_a_secret_of_too_little_entropy(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINCAST_ENV", "production")
    monkeypatch.setenv("FINCAST_SECRET_KEY", secret)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="FINCAST_SECRET_KEY"):
            get_settings()
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    "secret",
    [
        "kq3V8tZp1xRb7YwN2mLc9HdF4sGj6EaU",  # 32 random characters
        "9f2c4e1a7b3d8f6e0a5c2b9d4e7f1a3c",  # 32 hex digits (128 bits)
        "correct horse battery staple tree",  # a long passphrase
    ],
)
def test_production_accepts_a_random_secret(secret: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINCAST_ENV", "production")
    monkeypatch.setenv("FINCAST_SECRET_KEY", secret)
    get_settings.cache_clear()
    try:
        assert get_settings().env == "production"
    finally:
        get_settings.cache_clear()
