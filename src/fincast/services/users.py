"""Users as the CLI manages them: create one who can log in, find one by email."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from fincast.db.engine import session_scope
from fincast.errors import InputError
from fincast.ledger import service as ledger
from fincast.services.auth import register

MIN_PASSWORD = 8


@dataclass(frozen=True)
class UserRef:
    """Who a user is, outside any database session."""

    id: int
    email: str


def create_user(engine: Engine, email: str, password: str) -> UserRef:
    """Create a user with ``password`` and the default categories (ConflictError if taken)."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"password must be at least {MIN_PASSWORD} characters")
    with session_scope(engine) as s:
        user = register(s, email, password)
        return UserRef(user.id, user.email)


def find_user(engine: Engine, email: str) -> UserRef:
    """The user with ``email`` (NotFoundError if there is none)."""
    with session_scope(engine) as s:
        user = ledger.get_user_by_email(s, email)
        return UserRef(user.id, user.email)
