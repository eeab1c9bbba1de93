"""Rate limits on password checks and on the expensive work each user can ask for.

Password checks are limited per client IP, per account and for everyone together; inline
predictions, trainings, imports and exports per user.

The counting is the ``limits`` library's fixed-window algorithm; the counters live where every
worker process sees them: in the database (the ``rate_limit_counters`` table, through
:class:`DatabaseStorage`, the default), or in Redis (``limits``' own storage) when
``FINCAST_RATE_LIMIT_STORAGE`` is a ``redis://`` URL. ``memory`` keeps them in the process,
for a single worker only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import threading
import time
from dataclasses import dataclass
from typing import Literal

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from fincast.config import Settings
from fincast.errors import RateLimitError
from fincast.ledger.models import RateLimitCounter

_C = RateLimitCounter
#: Expired counters are swept once per this many increments of one process.
_SWEEP_EVERY = 500


def _key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    """Databases without time zones hand back naive UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class DatabaseStorage(Storage):
    """``limits``' storage interface over the ``rate_limit_counters`` table.

    Supports the fixed-window strategy. Each increment is one short transaction of its own,
    committed at once, so a counter is shared by every worker the moment it changes; windows
    end on whole seconds because MariaDB's DATETIME keeps no fractions.
    """

    STORAGE_SCHEME = None  # built with an engine, not from a URL

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine
        self._increments = 0
        self._lock = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """Errors of the database driver, for ``limits``' error wrapping."""
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to ``key``'s counter, starting a window of ``expiry`` s if needed."""
        digest = _key(key)
        self._maybe_sweep()
        for attempt in range(3):
            now = _now()
            ends = dt.datetime.fromtimestamp(math.floor(now.timestamp() + expiry), dt.UTC)
            live = (_C.key == digest) & (_C.expires_at > now)
            ended = (_C.key == digest) & (_C.expires_at <= now)
            try:
                with self._engine.begin() as conn:
                    bump = update(_C).where(live).values(count=_C.count + amount)
                    if conn.execute(bump).rowcount == 0:
                        restart = update(_C).where(ended).values(count=amount, expires_at=ends)
                        if conn.execute(restart).rowcount == 0:
                            conn.execute(
                                insert(_C).values(key=digest, count=amount, expires_at=ends)
                            )
                    count = conn.scalar(select(_C.count).where(_C.key == digest))
                return int(count or 0)
            except (IntegrityError, OperationalError):
                # Another worker inserted the same new key first (or SQLite was busy): the
                # next pass finds the row and bumps it.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, key: str) -> int:
        """The count in ``key``'s current window (0 when it has none)."""
        with self._engine.connect() as conn:
            count = conn.scalar(select(_C.count).where(_C.key == _key(key), _C.expires_at > _now()))
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        """When ``key``'s window ends, as a Unix time (now when it has none)."""
        with self._engine.connect() as conn:
            ends = conn.scalar(select(_C.expires_at).where(_C.key == _key(key)))
        return _aware(ends).timestamp() if ends is not None else time.time()

    def check(self) -> bool:
        """True when the database answers."""
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; the number forgotten."""
        with self._engine.begin() as conn:
            return int(conn.execute(delete(_C)).rowcount)

    def clear(self, key: str) -> None:
        """Forget ``key``'s counter."""
        with self._engine.begin() as conn:
            conn.execute(delete(_C).where(_C.key == _key(key)))

    def _maybe_sweep(self) -> None:
        with self._lock:
            self._increments += 1
            due = self._increments % _SWEEP_EVERY == 0
        if due:
            with self._engine.begin() as conn:
                conn.execute(delete(_C).where(_C.expires_at <= _now()))


def make_storage(setting: str, engine: Engine) -> Storage:
    """The counter store named by ``FINCAST_RATE_LIMIT_STORAGE`` (database, memory or Redis)."""
    if setting == "database":
        return DatabaseStorage(engine)
    if setting == "memory":
        return MemoryStorage()
    storage = storage_from_string(setting, key_prefix="fincast")
    assert isinstance(storage, Storage)  # the synchronous flavour: no "async+" scheme
    return storage


@dataclass(frozen=True)
class AuthLimits:
    """How many password checks each party may cause per window."""

    login_per_ip_per_minute: int
    failed_logins_per_account_per_hour: int
    registrations_per_ip_per_hour: int
    password_checks_per_minute: int


class AuthRateLimiter:
    """The limits in front of every password check: per client IP, per account, global.

    A client IP that goes over its limit is refused before its attempt costs a hash or
    touches the account's budget. The per-account budget counts failures only, so its owner's
    own logins never use it up; the global one caps the argon2 work all clients can cause.
    """

    def __init__(self, storage: Storage, limits: AuthLimits) -> None:
        self.storage = storage
        self._limiter = FixedWindowRateLimiter(storage)
        self._login_ip = RateLimitItemPerMinute(limits.login_per_ip_per_minute, namespace="ip")
        self._account = RateLimitItemPerHour(
            limits.failed_logins_per_account_per_hour, namespace="account"
        )
        self._register_ip = RateLimitItemPerHour(
            limits.registrations_per_ip_per_hour, namespace="register"
        )
        self._everyone = RateLimitItemPerMinute(limits.password_checks_per_minute, namespace="all")

    def before_login(self, client_ip: str, email: str) -> None:
        """Count a login attempt; RateLimitError (with Retry-After) when one limit is used up."""
        self._hit(self._login_ip, client_ip, "too many login attempts from your address")
        self._test(self._account, email.casefold(), "too many failed logins for this account")
        self._hit(self._everyone, "auth", "the server is checking too many passwords")

    def login_failed(self, email: str) -> None:
        """Count a failed login against the account's budget."""
        self._limiter.hit(self._account, email.casefold())

    def before_registration(self, client_ip: str) -> None:
        """Count a registration attempt from ``client_ip``."""
        self._hit(self._register_ip, client_ip, "too many registrations from your address")
        self._hit(self._everyone, "auth", "the server is checking too many passwords")

    def before_password_confirmation(self, client_ip: str, email: str) -> None:
        """Count a check of a signed-in user's current password (change, new token)."""
        self.before_login(client_ip, email)

    def _hit(self, item: RateLimitItem, key: str, message: str) -> None:
        if not self._limiter.hit(item, key):
            _refuse(self._limiter, item, key, message)

    def _test(self, item: RateLimitItem, key: str, message: str) -> None:
        if not self._limiter.test(item, key):
            _refuse(self._limiter, item, key, message)


def _refuse(limiter: FixedWindowRateLimiter, item: RateLimitItem, key: str, message: str) -> None:
    reset = limiter.get_window_stats(item, key).reset_time
    retry = max(1, math.ceil(reset - time.time()))
    raise RateLimitError(f"{message}; try again in {retry} seconds", retry_after=retry)


#: The kinds of expensive work a user can ask for, each with a budget of its own.
Work = Literal["predict", "train", "import", "export"]


@dataclass(frozen=True)
class WorkLimits:
    """How much expensive work one user may ask for per window."""

    inline_predictions_per_minute: int
    trainings_per_hour: int
    imports_per_hour: int
    exports_per_hour: int

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkLimits:
        """The limits ``FINCAST_*_PER_MINUTE`` / ``FINCAST_*_PER_HOUR`` configure."""
        return cls(
            inline_predictions_per_minute=settings.inline_predictions_per_minute,
            trainings_per_hour=settings.trainings_per_hour,
            imports_per_hour=settings.imports_per_hour,
            exports_per_hour=settings.exports_per_hour,
        )


_WORK_NAMES: dict[Work, tuple[str, str]] = {
    "predict": ("predictions on sent data", "FINCAST_INLINE_PREDICTIONS_PER_MINUTE"),
    "train": ("trainings", "FINCAST_TRAININGS_PER_HOUR"),
    "import": ("imports", "FINCAST_IMPORTS_PER_HOUR"),
    "export": ("exports", "FINCAST_EXPORTS_PER_HOUR"),
}


class WorkRateLimiter:
    """Per-user budgets for the requests that cost the most CPU, memory or I/O.

    Each kind of work (an inline prediction, a training, an import, an export) has a fixed
    window per user, counted in the same shared storage as the password limits, so every
    worker sees one budget; a request over it is refused before any of the work starts.
    """

    def __init__(self, storage: Storage, limits: WorkLimits) -> None:
        self._limiter = FixedWindowRateLimiter(storage)
        self._items: dict[Work, RateLimitItem] = {
            "predict": RateLimitItemPerMinute(
                limits.inline_predictions_per_minute, namespace="work-predict"
            ),
            "train": RateLimitItemPerHour(limits.trainings_per_hour, namespace="work-train"),
            "import": RateLimitItemPerHour(limits.imports_per_hour, namespace="work-import"),
            "export": RateLimitItemPerHour(limits.exports_per_hour, namespace="work-export"),
        }

    def before(self, work: Work, user_id: int) -> None:
        """Count one ``work`` of ``user_id``; RateLimitError (with Retry-After) when used up."""
        item = self._items[work]
        key = f"user:{int(user_id)}"
        if not self._limiter.hit(item, key):
            what, setting = _WORK_NAMES[work]
            per = "minute" if work == "predict" else "hour"
            _refuse(
                self._limiter,
                item,
                key,
                f"too many {what}: at most {item.amount} per {per} for each user ({setting})",
            )


def work_limiter(storage: Storage, settings: Settings) -> WorkRateLimiter:
    """The per-user work limits of ``settings``, counted in ``storage``."""
    return WorkRateLimiter(storage, WorkLimits.from_settings(settings))
