import pytest

from fincast.config import DEFAULT_SECRET, Settings, get_settings
from fincast.errors import ConfigError


def test_default_database_is_sqlite_under_data_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FINCAST_DATABASE_URL", raising=False)
    s = Settings(data_dir=tmp_path)
    assert s.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/fincast.db"


def test_database_url_from_environment(monkeypatch) -> None:
    monkeypatch.setenv("FINCAST_DATABASE_URL", "postgresql+psycopg2://x@h/db")
    assert Settings().resolved_database_url == "postgresql+psycopg2://x@h/db"


def test_production_refuses_default_or_short_secret(monkeypatch) -> None:
    monkeypatch.setenv("FINCAST_ENV", "production")
    monkeypatch.setenv("FINCAST_SECRET_KEY", DEFAULT_SECRET)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="FINCAST_SECRET_KEY"):
            get_settings()
        monkeypatch.setenv("FINCAST_SECRET_KEY", "short")
        get_settings.cache_clear()
        with pytest.raises(ConfigError, match="at least 32"):
            get_settings()
        monkeypatch.setenv("FINCAST_SECRET_KEY", "kq3V8tZp1xRb7YwN2mLc9HdF4sGj6EaU0o")
        get_settings.cache_clear()
        assert get_settings().env == "production"
    finally:
        get_settings.cache_clear()


def test_secret_is_not_printed() -> None:
    s = Settings(secret_key="super-private-value-0123456789abcdef")
    assert "super-private" not in repr(s)
