"""Ledger operations on users, accounts and categories (the service layer's building blocks)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fincast.errors import ConflictError, InputError, NotFoundError
from fincast.ledger.models import Account, AccountType, Category, User
from fincast.taxonomy import DEFAULT_CATEGORIES


def seed_categories(session: Session, user_id: int) -> list[Category]:
    """Give ``user_id`` every default category they do not have yet."""
    have = set(session.scalars(select(Category.slug).where(Category.user_id == user_id)))
    added = [
        Category(user_id=user_id, slug=c.slug, name=c.name, kind=c.kind, essential=c.essential)
        for c in DEFAULT_CATEGORIES
        if c.slug not in have
    ]
    session.add_all(added)
    session.flush()
    return added


def create_user(
    session: Session,
    email: str,
    *,
    password_hash: str | None = None,
    display_name: str | None = None,
) -> User:
    """Create a user with the default categories; refuse an email already taken."""
    email = email.strip().lower()
    if not email or "@" not in email:
        raise InputError(f"not an email address: {email!r}")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ConflictError(f"a user with email {email!r} already exists")
    user = User(email=email, password_hash=password_hash, display_name=display_name)
    session.add(user)
    session.flush()
    seed_categories(session, user.id)
    return user


def get_user_by_email(session: Session, email: str) -> User:
    """Return the user with ``email`` or raise NotFoundError."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"no user with email {email!r}")
    return user


def get_or_create_user(session: Session, email: str) -> User:
    """Return the user with ``email``, creating it (without a password) if needed."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    return user if user is not None else create_user(session, email)


def get_account(session: Session, user_id: int, account_id: int) -> Account:
    """Return one of ``user_id``'s accounts; other users' accounts look like missing ones."""
    account = session.get(Account, account_id)
    if account is None or account.user_id != user_id:
        raise NotFoundError(f"account {account_id} not found")
    return account


def find_account(session: Session, user_id: int, name: str) -> Account | None:
    """Return ``user_id``'s account called ``name`` (case-insensitive), if any."""
    for acc in session.scalars(select(Account).where(Account.user_id == user_id)):
        if acc.name.lower() == name.strip().lower():
            return acc
    return None


def get_or_create_account(
    session: Session,
    user_id: int,
    name: str,
    *,
    type: AccountType | str = AccountType.CHECKING,
    currency: str = "USD",
    opening_balance: Decimal = Decimal("0.00"),
) -> Account:
    """Return ``user_id``'s account called ``name``, creating it if it does not exist."""
    existing = find_account(session, user_id, name)
    if existing is not None:
        return existing
    try:
        acc_type = AccountType(type)
    except ValueError as exc:
        allowed = ", ".join(t.value for t in AccountType)
        raise InputError(f"account type {type!r} is not one of: {allowed}") from exc
    if len(currency) != 3 or not currency.isalpha():
        raise InputError(f"currency {currency!r} is not a 3-letter ISO code")
    account = Account(
        user_id=user_id,
        name=name.strip(),
        type=acc_type,
        currency=currency.upper(),
        opening_balance=opening_balance,
    )
    session.add(account)
    session.flush()
    return account


def category_ids(session: Session, user_id: int) -> dict[str, int]:
    """Map category slug -> id for ``user_id``."""
    rows = session.execute(
        select(Category.slug, Category.id).where(Category.user_id == user_id)
    ).all()
    return {slug: cid for slug, cid in rows}
