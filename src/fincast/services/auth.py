"""Users and credentials: registration, password login and change, opaque tokens in sessions.

Tokens are random strings shown to the client once; the database keeps only their SHA-256
hash, so a leaked database does not leak usable credentials.

Every token belongs to a tree (``AuthToken.session_id`` names its root). A login starts one:
a refresh token, and an access token that belongs to it. A token made with another token is
that token's child: it never expires later than its parent and is revoked with it, so no
token can make a token that outlives it. Only the password starts a tree of its own (a login,
or a personal token made with the password). A login session ends ``refresh_token_days``
after the login, however often it refreshes; refresh tokens rotate on use, and presenting one
that was already used revokes its whole session (RFC 9700, section 4.14.2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any, cast

from argon2 import Parameters, PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION
from sqlalchemy import ColumnElement, CursorResult, and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fincast.errors import AuthError, ConflictError, InputError, NotFoundError
from fincast.ledger import service as ledger
from fincast.ledger.models import AuthToken, TokenKind, User, utcnow
from fincast.services.passwords import check_password_policy

log = logging.getLogger("fincast.auth")

#: OWASP's argon2id recommendation (Password Storage Cheat Sheet): 19 MiB, t=2, p=1. About
#: 20-40 ms here instead of ~250 ms for the library default, which matters when every login
#: is also a rate-limited request.
ARGON2_PARAMETERS = Parameters(
    type=Type.ID,
    version=ARGON2_VERSION,
    salt_len=16,
    hash_len=32,
    time_cost=2,
    memory_cost=19 * 1024,
    parallelism=1,
)
HASHER = PasswordHasher.from_parameters(ARGON2_PARAMETERS)

TOKEN_PREFIX = {TokenKind.ACCESS: "fca_", TokenKind.REFRESH: "fcr_", TokenKind.PERSONAL: "fcp_"}
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
_dummy_hashes: dict[tuple[int, int, int, int], str] = {}


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which ``token`` is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """Treat naive datetimes from databases without time zones as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _earliest(*moments: dt.datetime | None) -> dt.datetime | None:
    """The earliest of ``moments``; None stands for never."""
    known = [m for m in (_aware(x) for x in moments) if m is not None]
    return min(known) if known else None


def _dummy_hash() -> str:
    """A hash made with the current hasher's cost, verified when the email is unknown."""
    key = (HASHER.time_cost, HASHER.memory_cost, HASHER.parallelism, HASHER.hash_len)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = HASHER.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


@dataclass(frozen=True)
class TokenPair:
    """What a successful login or refresh hands to the client."""

    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class Authenticated:
    """The user behind a request and the token that proved it."""

    user: User
    token_id: int
    token_kind: TokenKind
    session_id: int
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class SessionInfo:
    """One live login session, without secrets."""

    id: int
    created_at: dt.datetime
    last_used_at: dt.datetime
    expires_at: dt.datetime
    current: bool


# -- accounts ----------------------------------------------------------------------------


def _normal_email(email: str) -> str:
    return email.strip().lower()


def create_account(session: Session, email: str, password: str) -> User:
    """Create a user who can log in (ConflictError if the email is taken), for the CLI."""
    email = _normal_email(email)
    check_password_policy(password, email=email)
    user = ledger.create_user(session, email, password_hash=HASHER.hash(password))
    session.commit()
    return user


def register(session: Session, email: str, password: str) -> None:
    """Sign up: create the account if the email is free, and say nothing either way.

    Both paths hash the password and write the same rows (rolled back when the email is
    taken), so neither the answer nor its timing tells whether an account exists.
    """
    email = _normal_email(email)
    check_password_policy(password, email=email)
    password_hash = HASHER.hash(password)
    taken = session.scalar(select(User.id).where(User.email == email)) is not None
    if taken:
        ledger.create_user(
            session, f"unused-{secrets.token_hex(8)}@invalid", password_hash=password_hash
        )
        session.rollback()
        return
    try:
        ledger.create_user(session, email, password_hash=password_hash)
        session.commit()
    except (ConflictError, IntegrityError):
        # The same email registered at the same moment by another request: it exists now.
        session.rollback()


def check_password(session: Session, email: str, password: str) -> User:
    """The active user with ``email`` and ``password``; AuthError for anything else."""
    user = session.scalar(select(User).where(User.email == _normal_email(email)))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    try:
        HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthError("incorrect email or password") from exc
    if user is None or not user.password_hash or not user.is_active:
        raise AuthError("incorrect email or password")
    if HASHER.check_needs_rehash(stored):
        user.password_hash = HASHER.hash(password)
    return user


def confirm_password(user: User, password: str) -> None:
    """Check a signed-in user's current password (AuthError when it is wrong)."""
    try:
        HASHER.verify(user.password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthError("the current password is incorrect") from exc


def change_password(session: Session, auth: Authenticated, current: str, new: str) -> None:
    """Set a new password and end every other session and token of the user.

    The session the request came from goes on (with whatever was made from it), so the
    person changing the password stays signed in.
    """
    user = auth.user
    confirm_password(user, current)
    if new == current:
        raise InputError("the new password must differ from the current one")
    check_password_policy(new, email=user.email)
    user.password_hash = HASHER.hash(new)
    session.execute(
        update(AuthToken)
        .where(
            AuthToken.user_id == user.id,
            or_(AuthToken.session_id.is_(None), AuthToken.session_id != auth.session_id),
            AuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    session.commit()
    log.info("password changed", extra={"user_id": user.id})


# -- tokens ------------------------------------------------------------------------------


def _new_token(
    session: Session,
    user_id: int,
    kind: TokenKind,
    *,
    expires_at: dt.datetime | None,
    parent: AuthToken | None = None,
    name: str | None = None,
) -> tuple[str, AuthToken]:
    """A token row (flushed, so it has an id) and its secret; a child of ``parent`` if given."""
    secret = TOKEN_PREFIX[kind] + secrets.token_urlsafe(32)
    row = AuthToken(
        user_id=user_id,
        kind=kind,
        name=name,
        token_hash=hash_token(secret),
        created_at=utcnow(),
        expires_at=expires_at,
        parent_id=None if parent is None else parent.id,
        session_id=None if parent is None else parent.session_id,
    )
    session.add(row)
    session.flush()
    if row.session_id is None:  # the root of a new tree
        row.session_id = row.id
    return secret, row


def _pair(
    session: Session,
    user: User,
    *,
    session_ends: dt.datetime | None,
    after: AuthToken | None,
    access_minutes: int,
) -> TokenPair:
    """A refresh token (expiring when the session ends) and an access token belonging to it.

    ``after`` is the refresh token this pair replaces; None starts a new session.
    """
    now = utcnow()
    refresh_secret, refresh_row = _new_token(
        session, user.id, TokenKind.REFRESH, expires_at=session_ends, parent=after
    )
    access_expiry = _earliest(now + dt.timedelta(minutes=access_minutes), session_ends)
    access_secret, _ = _new_token(
        session, user.id, TokenKind.ACCESS, expires_at=access_expiry, parent=refresh_row
    )
    session.commit()
    seconds = 0 if access_expiry is None else int((access_expiry - now).total_seconds())
    return TokenPair(access_secret, refresh_secret, max(0, seconds))


def issue_pair(
    session: Session, user: User, *, access_minutes: int, refresh_days: int
) -> TokenPair:
    """Start a login session for ``user``: an access and a refresh token, committed."""
    ends = utcnow() + dt.timedelta(days=refresh_days)
    return _pair(session, user, session_ends=ends, after=None, access_minutes=access_minutes)


def _revoke_session(session: Session, user_id: int, session_id: int) -> None:
    session.execute(
        update(AuthToken)
        .where(
            AuthToken.user_id == user_id,
            AuthToken.session_id == session_id,
            AuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def _revoke_tree(session: Session, user_id: int, token_id: int) -> None:
    """Revoke ``token_id`` and every token made from it, level by level."""
    doomed, frontier = {token_id}, [token_id]
    while frontier:
        children = session.scalars(
            select(AuthToken.id).where(
                AuthToken.user_id == user_id,
                AuthToken.parent_id.in_(frontier),
                AuthToken.revoked_at.is_(None),
            )
        )
        frontier = [c for c in children if c not in doomed]
        doomed.update(frontier)
    session.execute(
        update(AuthToken)
        .where(
            AuthToken.user_id == user_id,
            AuthToken.id.in_(doomed),
            AuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def refresh(session: Session, refresh_token: str, *, access_minutes: int) -> TokenPair:
    """Trade a live refresh token for a new pair; the old one is used up.

    A refresh token that was already used means two parties hold the session, one of them
    perhaps a thief: the whole session is revoked, the newest tokens included.
    """
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == hash_token(refresh_token)))
    if row is None or row.kind is not TokenKind.REFRESH:
        raise AuthError("invalid or revoked token")
    session_id = row.session_id if row.session_id is not None else row.id
    if row.revoked_at is None:
        expires = _aware(row.expires_at)
        if expires is not None and expires <= utcnow():
            raise AuthError("token expired")
        user = session.get(User, row.user_id)
        if user is None or not user.is_active:
            raise AuthError("invalid or revoked token")
        # Only one request may use a refresh token: the one whose update finds it unused.
        used = session.execute(
            update(AuthToken)
            .where(AuthToken.id == row.id, AuthToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        if cast("CursorResult[Any]", used).rowcount == 1:
            return _pair(
                session,
                user,
                session_ends=_aware(row.expires_at),
                after=row,
                access_minutes=access_minutes,
            )
    _revoke_session(session, row.user_id, session_id)
    session.commit()
    log.warning(
        "refresh token reused; session revoked",
        extra={"user_id": row.user_id, "session_id": session_id},
    )
    raise AuthError("invalid or revoked token")


# Built once with a bound parameter: building and keying an ORM statement per request costs
# more than the indexed look-up it runs (docs/benchmarks.md, "API under load").
_TOKEN_AND_USER = (
    select(AuthToken, User)
    .join(User, User.id == AuthToken.user_id)
    .where(AuthToken.token_hash == bindparam("token_hash"))
)


def authenticate(session: Session, secret: str) -> Authenticated:
    """The active user owning the live access or personal token ``secret``.

    One indexed query per request (the token by its unique hash, joined to its user) and no
    cache of verified tokens: a logout, a revoked session or a password change is seen by
    the very next request on every worker.
    """
    found = session.execute(_TOKEN_AND_USER, {"token_hash": hash_token(secret)}).first()
    if found is None:
        raise AuthError("invalid or revoked token")
    row, user = found
    if row.kind not in (TokenKind.ACCESS, TokenKind.PERSONAL) or row.revoked_at is not None:
        raise AuthError("invalid or revoked token")
    expires = _aware(row.expires_at)
    if expires is not None and expires <= utcnow():
        raise AuthError("token expired")
    if not user.is_active:
        raise AuthError("invalid or revoked token")
    last = _aware(row.last_used_at)
    now = utcnow()
    if row.kind is TokenKind.PERSONAL and (last is None or now - last > LAST_USED_RESOLUTION):
        row.last_used_at = now
    # End the look-up's transaction either way: its connection goes back to the pool instead
    # of being held while the request waits for a thread to run its route in.
    session.commit()
    session_id = row.session_id if row.session_id is not None else row.id
    return Authenticated(user, row.id, row.kind, session_id, _aware(row.expires_at))


def logout(
    session: Session,
    auth: Authenticated,
    *,
    refresh_token: str | None = None,
    everywhere: bool = False,
) -> None:
    """End the request's session (or, for a personal token, that token and its children).

    ``everywhere`` ends every session and personal token of the user. A ``refresh_token``
    sent along ends the session it belongs to as well.
    """
    user_id = auth.user.id
    if everywhere:
        session.execute(
            update(AuthToken)
            .where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    elif auth.token_kind is TokenKind.ACCESS:
        _revoke_session(session, user_id, auth.session_id)
    else:
        _revoke_tree(session, user_id, auth.token_id)
    if refresh_token:
        row = session.scalar(
            select(AuthToken).where(
                AuthToken.token_hash == hash_token(refresh_token),
                AuthToken.user_id == user_id,
                AuthToken.kind == TokenKind.REFRESH,
            )
        )
        if row is not None:
            _revoke_session(session, user_id, row.session_id or row.id)
    session.commit()


def create_personal_token(
    session: Session,
    user_id: int,
    name: str,
    expires_in_days: int | None,
    *,
    parent: Authenticated | None = None,
) -> tuple[str, AuthToken]:
    """A named token for scripts; the secret is returned only here.

    Made with a token (``parent``), it is that token's child: it expires no later than the
    parent and is revoked with it. Without a parent (the caller checked the password) it
    stands alone until ``expires_in_days`` or until revoked.
    """
    requested = None if expires_in_days is None else utcnow() + dt.timedelta(days=expires_in_days)
    parent_row = None if parent is None else session.get(AuthToken, parent.token_id)
    if parent is not None and (parent_row is None or parent_row.user_id != user_id):
        raise AuthError("invalid or revoked token")
    expires_at = requested if parent_row is None else _earliest(requested, parent_row.expires_at)
    secret, row = _new_token(
        session, user_id, TokenKind.PERSONAL, expires_at=expires_at, parent=parent_row, name=name
    )
    session.commit()
    if parent_row is not None:
        # The parent may have been revoked while this token was being made; if so, so is it.
        revoked = session.scalar(select(AuthToken.revoked_at).where(AuthToken.id == parent_row.id))
        if revoked is not None:
            _revoke_tree(session, user_id, row.id)
            session.commit()
            raise AuthError("invalid or revoked token")
    return secret, row


def _live() -> ColumnElement[bool]:
    """Not revoked and not expired."""
    return and_(
        AuthToken.revoked_at.is_(None),
        or_(AuthToken.expires_at.is_(None), AuthToken.expires_at > utcnow()),
    )


def list_personal_tokens(session: Session, user_id: int) -> list[AuthToken]:
    """The user's live personal tokens (secrets are never stored)."""
    return list(
        session.scalars(
            select(AuthToken)
            .where(
                AuthToken.user_id == user_id,
                AuthToken.kind == TokenKind.PERSONAL,
                _live(),
            )
            .order_by(AuthToken.id)
        )
    )


def revoke_personal_token(session: Session, user_id: int, token_id: int) -> None:
    """Revoke one of the user's personal tokens and every token made from it."""
    row = session.get(AuthToken, token_id)
    if (
        row is None
        or row.user_id != user_id
        or row.kind is not TokenKind.PERSONAL
        or row.revoked_at is not None
    ):
        raise NotFoundError(f"token {token_id} not found")
    _revoke_tree(session, user_id, token_id)
    session.commit()


# -- sessions ----------------------------------------------------------------------------


def list_sessions(session: Session, user_id: int, current_session_id: int) -> list[SessionInfo]:
    """The user's live login sessions, oldest first; ``current`` marks the request's own."""
    now = utcnow()
    live = (
        select(
            AuthToken.session_id,
            func.max(AuthToken.created_at).label("last_used_at"),
            func.max(AuthToken.expires_at).label("expires_at"),
        )
        .where(
            AuthToken.user_id == user_id,
            AuthToken.kind == TokenKind.REFRESH,
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > now,
        )
        .group_by(AuthToken.session_id)
        .subquery()
    )
    rows = session.execute(
        select(live.c.session_id, AuthToken.created_at, live.c.last_used_at, live.c.expires_at)
        .join(AuthToken, AuthToken.id == live.c.session_id)
        .order_by(AuthToken.created_at, AuthToken.id)
    )
    out = []
    for session_id, created, last_used, expires in rows:
        out.append(
            SessionInfo(
                id=session_id,
                created_at=_aware(created) or now,
                last_used_at=_aware(last_used) or now,
                expires_at=_aware(expires) or now,
                current=session_id == current_session_id,
            )
        )
    return out


def revoke_session(session: Session, user_id: int, session_id: int) -> None:
    """End one of the user's login sessions and every token made from it."""
    live = session.scalar(
        select(AuthToken.id).where(
            AuthToken.user_id == user_id,
            AuthToken.session_id == session_id,
            AuthToken.kind == TokenKind.REFRESH,
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > utcnow(),
        )
    )
    if live is None:
        raise NotFoundError(f"session {session_id} not found")
    _revoke_session(session, user_id, session_id)
    session.commit()
