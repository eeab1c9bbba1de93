"""Settings from environment variables (prefix ``FINCAST_``) and an optional ``.env`` file."""

from __future__ import annotations

import contextlib
import glob
import ipaddress
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fincast.errors import ConfigError

DEFAULT_SECRET = "dev-insecure-change-me"  # noqa: S105 - the value production refuses
# The URL schemes the limits library's Redis storage accepts.
_REDIS_SCHEMES = {"redis", "rediss", "redis+unix"}
# A production secret needs this many characters, this many of them distinct.
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 10
SECRET_KEY_FILE = "secret.key"  # noqa: S105 - a file name, not a secret


def private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents as 0700 folders; existing ones are left alone."""
    target = path = Path(path)
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(folder, 0o700)  # mkdir's mode is reduced by the umask; set it exactly
    return target


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a 0600 file, atomically.

    The bytes go to a temporary file beside ``path`` (0600, flushed to disk) that then
    replaces ``path`` in one rename, so a process killed while writing leaves the old file or
    the new one, never half of either.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sweep_temporary_files(path)


def _sweep_temporary_files(path: Path) -> None:
    """Remove what writers of ``path`` that were killed mid-write left behind."""
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = leftover.name[len(path.name) + 2 :].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            leftover.unlink(missing_ok=True)
        except PermissionError:
            continue  # a live process of another user


def tighten_private_tree(root: Path) -> None:
    """Make an existing folder fincast owns 0700, and everything in it 0700 / 0600.

    Folders and files created by an older version (or under a permissive umask) keep their
    wider modes otherwise: :func:`private_dir` and :func:`write_private_file` only set the
    modes of what they create. Symbolic links are not followed, and files of other owners are
    left to them.
    """
    root = Path(root)
    try:
        top = root.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(top.st_mode):
        return
    uid = os.geteuid()
    _tighten(root, top, uid, 0o700)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                _tighten(path, st, uid, 0o700)
            elif stat.S_ISREG(st.st_mode):
                _tighten(path, st, uid, 0o600)


def _tighten(path: Path, st: os.stat_result, uid: int, mode: int) -> None:
    if st.st_uid == uid and stat.S_IMODE(st.st_mode) != mode:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(path, mode)


def secure_data_dirs(settings: Settings) -> None:
    """Tighten the data folder and the models folder (and what they hold) at startup."""
    tighten_private_tree(settings.data_dir)
    tighten_private_tree(settings.resolved_models_dir)


def _generated_secret(data_dir: Path) -> bytes:
    """Read ``<data_dir>/secret.key``, first creating it (0600) with a random key."""
    key_file = Path(data_dir) / SECRET_KEY_FILE
    if not key_file.exists():
        private_dir(key_file.parent)
        tmp = key_file.with_name(f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        write_private_file(tmp, secrets.token_urlsafe(48).encode("ascii"))
        try:
            os.link(tmp, key_file)  # atomic: whoever links first wins, the rest read theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = key_file.read_bytes().strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{key_file} holds no usable key; delete it to make a new one")
    return key


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
    login_attempts_per_minute: int = Field(
        default=10, ge=1, description="Login attempts per client IP per minute."
    )
    api_url: str = "http://127.0.0.1:8000"
    login_attempts_per_account_per_hour: int = Field(
        default=100, ge=1, description="Failed logins per account per hour (OWASP ASVS 2.2.1)."
    )
    registrations_per_hour: int = Field(
        default=20, ge=1, description="Registrations per client IP per hour."
    )
    auth_attempts_per_minute: int = Field(
        default=600,
        ge=1,
        description="Password checks per minute from all clients together (caps hashing CPU).",
    )
    inline_predictions_per_minute: int = Field(
        default=30, ge=1, description="Predictions on sent monthly data per user per minute."
    )
    trainings_per_hour: int = Field(default=12, ge=1, description="Trainings per user per hour.")
    imports_per_hour: int = Field(default=120, ge=1, description="File imports per user per hour.")
    exports_per_hour: int = Field(default=30, ge=1, description="Exports per user per hour.")
    rate_limit_storage: str = Field(
        default="database",
        description="Where rate-limit counters live: 'database', 'memory' or a redis:// URL.",
    )
    request_threads: int = Field(
        default=16,
        ge=1,
        le=256,
        description="Threads per worker for sync routes (each uses one pooled connection).",
    )
    cache_url: str | None = Field(
        default=None,
        description=(
            "A redis:// URL where workers share answers derived from the ledger (monthly "
            "insights, predictions); default: each worker caches its own."
        ),
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Proxy addresses or networks whose X-Forwarded-For names the client.",
    )
    metrics: Literal["off", "loopback", "token"] = Field(
        default="loopback", description="Who may read /metrics."
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token for /metrics when metrics='token'."
    )

    @field_validator("rate_limit_storage")
    @classmethod
    def _known_rate_limit_storage(cls, value: str) -> str:
        if value in {"database", "memory"} or value.split("://", 1)[0] in _REDIS_SCHEMES:
            return value
        raise ValueError(
            f"FINCAST_RATE_LIMIT_STORAGE must be 'database', 'memory' or a redis:// URL, "
            f"not {value!r}"
        )

    @field_validator("cache_url")
    @classmethod
    def _redis_cache_url(cls, value: str | None) -> str | None:
        if value is None or value.split("://", 1)[0] in _REDIS_SCHEMES:
            return value
        raise ValueError(f"FINCAST_CACHE_URL must be a redis:// URL, not {value!r}")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"FINCAST_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
                ) from exc
        return value

    @model_validator(mode="after")
    def _metrics_token_when_needed(self) -> Settings:
        if self.metrics == "token":
            token = self.metrics_token.get_secret_value() if self.metrics_token else ""
            if len(token) < 24:
                raise ValueError(
                    "FINCAST_METRICS_TOKEN must be set (24+ characters) when FINCAST_METRICS=token"
                )
        return self

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.env == "production" and self.secret_key.get_secret_value() == DEFAULT_SECRET:
            raise ValueError(
                "FINCAST_SECRET_KEY must be set to a private value when FINCAST_ENV=production"
            )
        if self.env == "production" and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("FINCAST_SECRET_KEY must be at least 32 characters in production")
        secret = self.secret_key.get_secret_value()
        if self.env == "production" and (
            len(secret.strip()) < MIN_SECRET_LENGTH or len(set(secret)) < MIN_SECRET_DISTINCT
        ):
            raise ValueError(
                f"FINCAST_SECRET_KEY is too easy to guess: production needs at least "
                f"{MIN_SECRET_LENGTH} characters with {MIN_SECRET_DISTINCT} or more different "
                f"ones, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return self

    def signing_key(self) -> bytes:
        """The key that signs model files: the configured secret, else ``<data_dir>/secret.key``."""
        secret = self.secret_key.get_secret_value()
        if secret != DEFAULT_SECRET:
            return secret.encode("utf-8")
        return _generated_secret(self.data_dir)

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
