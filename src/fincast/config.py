"""Settings from environment variables (prefix ``FINCAST_``) and an optional ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fincast.errors import ConfigError

DEFAULT_SECRET = "dev-insecure-change-me"  # noqa: S105 - the value production refuses


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``FINCAST_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="FINCAST_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Field(default=Path("var"), description="Local data folder.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file under data_dir."
    )
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    models_dir: Path | None = None
    access_token_minutes: int = 30
    refresh_token_days: int = 14
    max_upload_bytes: int = 50 * 1024 * 1024
    cors_origins: list[str] = Field(default_factory=lambda: ["http://localhost:8501"])
    login_attempts_per_minute: int = 10
    api_url: str = "http://127.0.0.1:8000"

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.env == "production" and self.secret_key.get_secret_value() == DEFAULT_SECRET:
            raise ValueError(
                "FINCAST_SECRET_KEY must be set to a private value when FINCAST_ENV=production"
            )
        if self.env == "production" and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("FINCAST_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL to use, defaulting to ``sqlite:///<data_dir>/fincast.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'fincast.db').resolve()}"

    @property
    def resolved_models_dir(self) -> Path:
        """Where trained model files live."""
        return self.models_dir or (self.data_dir / "models")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Load settings once per process; a bad configuration raises ConfigError."""
    try:
        return Settings()
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
