"""The data version of a user's ledger: what every cached or stored forecast is keyed by.

Kept free of the forecasting engine so that writes (imports, edits) can invalidate it
without loading pandas models.

The version is read from the database on every request that needs it, never remembered
between requests: a write through any worker, or the CLI, changes the next answer of every
worker, and answers derived from the ledger can be cached under it (and sent with an
``ETag``) without ever being stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import Session

from fincast.ledger.models import User
from fincast.services.forecasting.cache import CACHE

# One primary-key look-up: the token is renewed in the same transaction as every write to
# the user's transactions, categories, accounts or recurring series
# (fincast/ledger/revisions.py). Built once: building and keying a statement costs more than
# running it.
_VERSION = select(User.data_revision).where(User.id == bindparam("user_id", type_=Integer()))


def data_version(session: Session, user_id: int) -> tuple[Any, ...]:
    """A cheap key that changes whenever the user's monthly panel or bills can change.

    The user's data-revision token (one primary-key look-up), plus the current month (the
    panel leaves the month in progress out, so it changes when the month does). A user that
    does not exist gets ``None`` as the token.
    """
    token = session.execute(_VERSION, {"user_id": user_id}).scalar()
    month = dt.date.today().strftime("%Y-%m")
    return (month, str(token))


def version_digest(session: Session, user_id: int) -> str:
    """:func:`data_version` as a short hex digest, for model metadata and ETags."""
    return hashlib.sha256(repr(data_version(session, user_id)).encode()).hexdigest()[:16]


def current_version(session: Session, user_id: int, revision: int | None = None) -> tuple[Any, ...]:
    """The user's data version as the database holds it now (one query, never remembered).

    ``revision`` is the user's ``data_revision`` as this request's authentication just read
    it (the token look-up loads the user's row): it saves the query. Pass it only from a
    request that has written nothing since.
    """
    if revision is None:
        return data_version(session, user_id)
    return (dt.date.today().strftime("%Y-%m"), str(revision))


def invalidate(user_id: int) -> None:
    """``user_id``'s ledger just changed: drop this process's results cached for them.

    Correctness does not depend on it (results are keyed by :func:`current_version`, which
    every worker reads afresh); it frees what can no longer be asked for.
    """
    CACHE.discard_user(user_id)
