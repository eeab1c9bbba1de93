"""Helpers for rows that belong to one user: fetch, list, create, update, delete.

Every lookup filters by ``user_id``, so another user's row is indistinguishable from a
missing one (both raise :class:`~fincast.errors.NotFoundError`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from fincast.errors import ConflictError, NotFoundError
from fincast.ledger.models import Account, Category


def invalidate(user_id: int) -> None:
    """Tell the prediction cache that ``user_id``'s ledger changed."""
    from fincast.services.forecasting import invalidate as forget

    forget(user_id)


class Owned(Protocol):
    """A mapped row with an ``id`` and a ``user_id``."""

    id: Any
    user_id: Any


T = TypeVar("T", bound=Owned)


def get_owned(session: Session, model: type[T], user_id: int, obj_id: int, label: str) -> T:
    """Return ``user_id``'s row ``obj_id`` of ``model`` or raise NotFoundError."""
    obj = session.get(model, obj_id)
    if obj is None or obj.user_id != user_id:
        raise NotFoundError(f"{label} {obj_id} not found")
    return obj


def list_owned(
    session: Session,
    model: type[T],
    user_id: int,
    *,
    offset: int = 0,
    limit: int = 100,
    where: Sequence[ColumnElement[bool]] = (),
    order_by: Sequence[Any] = (),
) -> tuple[list[T], int]:
    """One page of ``user_id``'s rows of ``model`` and the total count matching ``where``."""
    owner: InstrumentedAttribute[Any] = model.user_id
    pk: InstrumentedAttribute[Any] = model.id
    conditions = [owner == user_id, *where]
    count = session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
    stmt = (
        select(model).where(*conditions).order_by(*(order_by or (pk,))).offset(offset).limit(limit)
    )
    return list(session.scalars(stmt)), int(count)


def check_refs(session: Session, user_id: int, fields: Mapping[str, Any]) -> None:
    """Make sure ``account_id``/``category_id`` in ``fields`` name rows of ``user_id``."""
    if fields.get("account_id") is not None:
        get_owned(session, Account, user_id, fields["account_id"], "account")
    if fields.get("category_id") is not None:
        get_owned(session, Category, user_id, fields["category_id"], "category")


def save(session: Session, obj: T, what: str) -> T:
    """Flush and commit ``obj``; a broken uniqueness rule becomes ConflictError."""
    try:
        session.add(obj)
        session.flush()
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"{what} conflicts with an existing one") from exc
    invalidate(obj.user_id)
    return obj


def create_owned(
    session: Session, model: type[T], user_id: int, fields: Mapping[str, Any], what: str
) -> T:
    """Create a row of ``model`` for ``user_id`` after checking its references."""
    check_refs(session, user_id, fields)
    obj = model(user_id=user_id, **fields)  # type: ignore[call-arg]
    return save(session, obj, what)


def update_owned(session: Session, obj: T, user_id: int, fields: Mapping[str, Any], what: str) -> T:
    """Apply ``fields`` (only those the client sent) to ``obj`` and commit."""
    check_refs(session, user_id, fields)
    for key, value in fields.items():
        setattr(obj, key, value)
    return save(session, obj, what)


def delete_owned(session: Session, obj: Owned) -> None:
    """Delete ``obj`` and commit."""
    session.delete(obj)
    session.commit()
    invalidate(obj.user_id)
