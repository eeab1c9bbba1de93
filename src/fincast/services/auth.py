"""Users and credentials: registration, password login, opaque tokens, rate limiting.

Tokens are random strings shown to the client once; the database keeps only their SHA-256
hash, so a leaked database does not leak usable credentials. Access tokens are short-lived,
refresh tokens rotate on use, personal tokens live until revoked (or their optional expiry).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fincast.errors import AuthError, ConflictError, NotFoundError, RateLimitError
from fincast.ledger import service as ledger
from fincast.ledger.models import AuthToken, TokenKind, User, utcnow

# OWASP's argon2id minimum (19 MiB, t=2, p=1): ~40 ms here instead of ~250 ms for the
# library default, which matters when every login is also a rate-limited request.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = HASHER.hash("not-a-real-password-0000")

TOKEN_PREFIX = {TokenKind.ACCESS: "fca_", TokenKind.REFRESH: "fcr_", TokenKind.PERSONAL: "fcp_"}
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which ``token`` is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """Treat naive datetimes from databases without time zones as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class TokenPair:
    """What a successful login or refresh hands to the client."""

    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class Authenticated:
    """The user behind a request and the token row that proved it."""

    user: User
    token_id: int
    token_kind: TokenKind


class LoginRateLimiter:
    """In-process sliding-window limit of login attempts per key (email + client).

    Memory is bounded: at most ``max_keys`` keys are tracked, the least recently used
    are forgotten first.
    """

    def __init__(self, limit: int, window_seconds: float = 60.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> None:
        """Record one attempt for ``key``; raise RateLimitError when over the limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            self._hits[key] = hits
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
            if len(hits) >= self.limit:
                retry = max(1, int(hits[0] + self.window - now) + 1)
                raise RateLimitError(f"too many login attempts; try again in {retry} seconds")
            hits.append(now)


def register(session: Session, email: str, password: str) -> User:
    """Create a user with an argon2 password hash and the default categories."""
    email = email.strip().lower()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ConflictError("a user with this email already exists")
    user = ledger.create_user(session, email, password_hash=HASHER.hash(password))
    session.commit()
    return user


def check_password(session: Session, email: str, password: str) -> User:
    """The active user with ``email`` and ``password``; AuthError for anything else."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthError("incorrect email or password") from exc
    if user is None or not user.password_hash or not user.is_active:
        raise AuthError("incorrect email or password")
    if HASHER.check_needs_rehash(stored):
        user.password_hash = HASHER.hash(password)
    return user


def _new_token(
    session: Session,
    user_id: int,
    kind: TokenKind,
    lifetime: dt.timedelta | None,
    name: str | None = None,
) -> tuple[str, AuthToken]:
    secret = TOKEN_PREFIX[kind] + secrets.token_urlsafe(32)
    row = AuthToken(
        user_id=user_id,
        kind=kind,
        name=name,
        token_hash=hash_token(secret),
        created_at=utcnow(),
        expires_at=None if lifetime is None else utcnow() + lifetime,
    )
    session.add(row)
    return secret, row


def issue_pair(
    session: Session, user: User, *, access_minutes: int, refresh_days: int
) -> TokenPair:
    """Create an access and a refresh token for ``user`` and commit."""
    access, _ = _new_token(session, user.id, TokenKind.ACCESS, dt.timedelta(minutes=access_minutes))
    refresh, _ = _new_token(session, user.id, TokenKind.REFRESH, dt.timedelta(days=refresh_days))
    session.commit()
    return TokenPair(access, refresh, access_minutes * 60)


def _live_token(session: Session, secret: str, kinds: tuple[TokenKind, ...]) -> AuthToken:
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == hash_token(secret)))
    if row is None or row.kind not in kinds or row.revoked_at is not None:
        raise AuthError("invalid or revoked token")
    expires = _aware(row.expires_at)
    if expires is not None and expires <= utcnow():
        raise AuthError("token expired")
    return row


def refresh(
    session: Session, refresh_token: str, *, access_minutes: int, refresh_days: int
) -> TokenPair:
    """Trade a live refresh token for a new pair; the old refresh token is revoked."""
    row = _live_token(session, refresh_token, (TokenKind.REFRESH,))
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise AuthError("invalid or revoked token")
    row.revoked_at = utcnow()
    return issue_pair(session, user, access_minutes=access_minutes, refresh_days=refresh_days)


def authenticate(session: Session, secret: str) -> Authenticated:
    """The active user owning the live access or personal token ``secret``."""
    row = _live_token(session, secret, (TokenKind.ACCESS, TokenKind.PERSONAL))
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise AuthError("invalid or revoked token")
    last = _aware(row.last_used_at)
    now = utcnow()
    if row.kind is TokenKind.PERSONAL and (last is None or now - last > LAST_USED_RESOLUTION):
        row.last_used_at = now
        session.commit()
    return Authenticated(user, row.id, row.kind)


def logout(session: Session, user_id: int, token_id: int, refresh_token: str | None) -> None:
    """Revoke the token used for this request and, when given, the user's refresh token."""
    now = utcnow()
    session.execute(
        update(AuthToken)
        .where(AuthToken.id == token_id, AuthToken.user_id == user_id)
        .values(revoked_at=now)
    )
    if refresh_token:
        session.execute(
            update(AuthToken)
            .where(
                AuthToken.token_hash == hash_token(refresh_token),
                AuthToken.user_id == user_id,
                AuthToken.kind == TokenKind.REFRESH,
                AuthToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    session.commit()


def create_personal_token(
    session: Session, user_id: int, name: str, expires_in_days: int | None
) -> tuple[str, AuthToken]:
    """A named long-lived token for scripts; the secret is returned only here."""
    lifetime = None if expires_in_days is None else dt.timedelta(days=expires_in_days)
    secret, row = _new_token(session, user_id, TokenKind.PERSONAL, lifetime, name)
    session.commit()
    return secret, row


def list_personal_tokens(session: Session, user_id: int) -> list[AuthToken]:
    """The user's personal tokens that are not revoked (secrets are never stored)."""
    return list(
        session.scalars(
            select(AuthToken)
            .where(
                AuthToken.user_id == user_id,
                AuthToken.kind == TokenKind.PERSONAL,
                AuthToken.revoked_at.is_(None),
            )
            .order_by(AuthToken.id)
        )
    )


def revoke_personal_token(session: Session, user_id: int, token_id: int) -> None:
    """Revoke one of the user's personal tokens; others' ids look unknown."""
    row = session.get(AuthToken, token_id)
    if (
        row is None
        or row.user_id != user_id
        or row.kind is not TokenKind.PERSONAL
        or row.revoked_at is not None
    ):
        raise NotFoundError(f"token {token_id} not found")
    row.revoked_at = utcnow()
    session.commit()
