"""Users as the CLI manages them: create one who can log in, find one by email."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from fincast.db.engine import session_scope
from fincast.ledger import service as ledger
from fincast.services.auth import create_account


@dataclass(frozen=True)
class UserRef:
    """Who a user is, outside any database session."""

    id: int
    email: str


def create_user(engine: Engine, email: str, password: str) -> UserRef:
    """Create a user with ``password`` and the default categories (ConflictError if taken).

    The password must pass the same policy as the API's (InputError naming the problem).
    """
    with session_scope(engine) as s:
        user = create_account(s, email, password)
        return UserRef(user.id, user.email)


def find_user(engine: Engine, email: str) -> UserRef:
    """The user with ``email`` (NotFoundError if there is none)."""
    with session_scope(engine) as s:
        user = ledger.get_user_by_email(s, email)
        return UserRef(user.id, user.email)
