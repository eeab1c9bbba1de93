"""What the recurring and anomaly services share: a user's ledger as a frame, run memos.

Detection runs on demand, once per data version of the user's ledger
(:func:`fincast.services.forecasting.versions.current_version`): the first request after an
import or an edit detects again and upserts; later ones read the stored rows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from fincast.ledger.models import Account, Category, Transaction
from fincast.services.forecasting.versions import current_version

FRAME_COLUMNS = (
    "id",
    "fingerprint",
    "date",
    "amount",
    "payee",
    "category",
    "category_id",
    "kind",
    "account",
    "account_id",
    "currency",
)


def ledger_frame(session: Session, user_id: int) -> pd.DataFrame:
    """The user's transactions for the detectors, oldest first (amounts as floats).

    Columns: :data:`FRAME_COLUMNS`; ``category`` is the slug and ``kind`` its kind (both
    empty for uncategorised rows); ``payee`` falls back to the raw payee, then the
    description; ``currency`` is the account's (ISO 4217, upper case): the detectors
    compare a transaction only with others in its currency.
    """
    t = Transaction
    rows = session.execute(
        select(
            t.id,
            t.fingerprint,
            t.posted_date,
            t.amount,
            t.payee,
            t.payee_raw,
            t.description,
            Category.slug,
            t.category_id,
            Category.kind,
            Account.name,
            t.account_id,
            Account.currency,
        )
        .join(Account, Account.id == t.account_id)
        .outerjoin(Category, Category.id == t.category_id)
        .where(t.user_id == user_id)
        .order_by(t.posted_date, t.id)
    ).all()
    frame = pd.DataFrame(
        [
            (
                r[0],
                r[1],
                r[2],
                float(r[3]),
                r[4] or r[5] or r[6] or "",
                r[7] or "",
                r[8],
                str(r[9].value) if r[9] is not None else "",
                r[10],
                r[11],
                str(r[12]).upper(),
            )
            for r in rows
        ],
        columns=list(FRAME_COLUMNS),
    )
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


class RunMemo:
    """Remembers the data version each user's detections were last stored for."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[Any, ...]] = {}

    def version(self, session: Session, user_id: int) -> tuple[tuple[Any, ...], bool]:
        """The user's current data version, and whether detections are stored for it."""
        version = current_version(session, user_id)
        return version, self._seen.get(user_id) == version

    def done(self, user_id: int, version: tuple[Any, ...]) -> None:
        """Record that ``user_id``'s detections are stored for ``version``."""
        self._seen[user_id] = version

    def forget(self, user_id: int | None = None) -> None:
        """Run again on the next request (for ``user_id``, or everyone)."""
        if user_id is None:
            self._seen.clear()
        else:
            self._seen.pop(user_id, None)
