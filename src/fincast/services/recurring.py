"""Recurring payments and subscriptions: detect, store, review, and score the detector.

The API (``/api/recurring``) and the CLI (``fincast recurring``) call these functions.
Detection (:func:`fincast.insights.recurring.detect_recurring`) runs once per data version
of the user's ledger and upserts one row per (payee key, cadence, currency), keeping the
user's ``status``: a dismissed series stays dismissed after every later import. A series is
in the currency of the accounts its payments are in (a payee paid in EUR and in USD is two
series, never one of mixed amounts), and confirmed bills feed only forecasts in theirs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fincast.db.engine import session_scope
from fincast.errors import InputError
from fincast.insights import detector_scores
from fincast.insights.recurring import CADENCE_BY_NAME, RecurringSeries, detect_recurring
from fincast.ledger.models import (
    Account,
    Category,
    RecurringSeriesRecord,
    ReviewStatus,
    utcnow,
)
from fincast.services._detections import RunMemo, ledger_frame
from fincast.services._owned import get_owned, list_owned
from fincast.services.panels import session_currency
from fincast.services.resources import NO_ACCOUNT_CURRENCY
from fincast.services.users import find_user
from fincast.synth import FILES, read_ground_truth

MEMO = RunMemo()
CENT = Decimal("0.01")


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT)


def detect(session: Session, user_id: int) -> list[RecurringSeries]:
    """The user's series as the detector sees them now (nothing stored)."""
    frame = ledger_frame(session, user_id)
    if frame.empty:
        return []
    return detect_recurring(frame, as_of=frame["date"].max().date())


def refresh(session: Session, user_id: int, *, force: bool = False) -> int:
    """Detect again if the ledger changed since the last run and upsert; return series found.

    Returns -1 when the stored series were fresh and nothing ran.
    """
    version, fresh = MEMO.version(session, user_id)
    stored = session.scalar(select(func.count()).where(RecurringSeriesRecord.user_id == user_id))
    if fresh and stored and not force:
        return -1
    found = detect(session, user_id)
    try:
        _upsert(session, user_id, found)
        session.commit()
    except IntegrityError:  # another request stored the same series first
        session.rollback()
    MEMO.done(user_id, version)
    return len(found)


def _upsert(session: Session, user_id: int, found: list[RecurringSeries]) -> None:
    existing = {
        (r.payee_key, r.cadence, r.currency): r
        for r in session.scalars(
            select(RecurringSeriesRecord).where(RecurringSeriesRecord.user_id == user_id)
        )
    }
    frame_ids = _category_and_account_ids(session, user_id)
    now = utcnow()
    seen = set()
    for s in found:
        # ledger_frame gives every payment its account's currency
        currency = s.currency or NO_ACCOUNT_CURRENCY
        key = (s.payee_key, s.cadence, currency)
        seen.add(key)
        row = existing.get(key)
        if row is None:
            row = RecurringSeriesRecord(
                user_id=user_id,
                payee_key=s.payee_key,
                cadence=s.cadence,
                currency=currency,
                status=ReviewStatus.NEW,
            )
            session.add(row)
        row.payee = s.payee[:255]
        row.category_id = frame_ids["category"].get(s.category or "")
        row.account_id = frame_ids["account"].get(s.account or "")
        row.amount = _money(s.amount)
        row.expected_amount = _money(s.expected_amount)
        row.amount_varies = s.amount_varies
        row.first_date = s.first_date
        row.last_date = s.last_date
        row.next_date = s.next_date
        row.occurrences = s.count
        row.state = s.state
        row.missed = [d.isoformat() for d in s.missed]
        row.price_changes = [
            {
                "date": p.date.isoformat(),
                "old_amount": str(_money(p.old_amount)),
                "new_amount": str(_money(p.new_amount)),
            }
            for p in s.price_changes
        ]
        row.confidence = s.confidence
        row.detected_at = now
    # a series no longer found is forgotten, unless the user decided about it
    stale = [k for k, r in existing.items() if k not in seen and r.status is ReviewStatus.NEW]
    for key in stale:
        session.delete(existing[key])


def _category_and_account_ids(session: Session, user_id: int) -> dict[str, dict[str, int]]:
    categories = {
        key: value
        for key, value in session.execute(
            select(Category.slug, Category.id).where(Category.user_id == user_id)
        )
    }
    accounts = {
        key: value
        for key, value in session.execute(
            select(Account.name, Account.id).where(Account.user_id == user_id)
        )
    }
    return {"category": categories, "account": accounts}


def list_series(
    session: Session,
    user_id: int,
    *,
    status: ReviewStatus | None = None,
    currency: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[RecurringSeriesRecord], int]:
    """One page of the user's series (detected first if the ledger changed), next date first.

    With ``currency``: the series in that currency only.

    Raises:
        InputError: ``currency`` is not the currency of any of the user's accounts.
    """
    pc = session_currency(session, user_id, currency) if currency is not None else None
    refresh(session, user_id)
    where = [RecurringSeriesRecord.status == status] if status is not None else []
    if pc is not None:
        where.append(RecurringSeriesRecord.currency == pc.currency)
    return list_owned(
        session,
        RecurringSeriesRecord,
        user_id,
        offset=offset,
        limit=limit,
        where=where,
        order_by=[RecurringSeriesRecord.next_date, RecurringSeriesRecord.payee_key],
    )


def set_status(
    session: Session, user_id: int, series_id: int, status: ReviewStatus
) -> RecurringSeriesRecord:
    """Confirm or dismiss (or reopen) one of the user's series; kept across detections."""
    row = get_owned(session, RecurringSeriesRecord, user_id, series_id, "recurring series")
    row.status = status
    session.commit()
    session.refresh(row)
    return row


def known_amounts(
    session: Session,
    user_id: int,
    *,
    currency: str | None = None,
    months: int = 3,
    start: dt.date | None = None,
    detect_first: bool = True,
) -> list[dict[str, Any]]:
    """Confirmed bills in ``currency`` as known amounts: expected outflow per category and month.

    For the forecasts, which are each in one currency: every confirmed series in it that has
    not ended is projected from its next date over ``months`` calendar months from ``start``
    (default: the month of the earliest next date), at its expected amount. ``currency``
    defaults to the user's primary currency (that of a forecast not asked in another).

    Returns:
        ``{"category": slug or None, "month": "YYYY-MM", "amount": Decimal, "series": n,
        "currency": code}`` rows, by month then category; amounts are signed (negative =
        money out). ``detect_first=False`` reads the stored series as they are (a forecast
        does not run detection: a confirmed series was detected before the user confirmed
        it).

    Raises:
        InputError: ``currency`` is not the currency of any of the user's accounts.
    """
    if detect_first:
        refresh(session, user_id)
    wanted = session_currency(session, user_id, currency).currency
    if wanted is None:  # no accounts, so no series either
        return []
    rows = session.execute(
        select(RecurringSeriesRecord, Category.slug)
        .outerjoin(Category, Category.id == RecurringSeriesRecord.category_id)
        .where(
            RecurringSeriesRecord.user_id == user_id,
            RecurringSeriesRecord.status == ReviewStatus.CONFIRMED,
            RecurringSeriesRecord.state != "ended",
            RecurringSeriesRecord.currency == wanted,
        )
    ).all()
    if not rows:
        return []
    first = start or min(r.next_date for r, _ in rows)
    first_month = pd.Period(first, freq="M")
    last_month = first_month + (months - 1)
    totals: dict[tuple[str | None, str], list[Any]] = defaultdict(lambda: [Decimal("0"), 0])
    for record, slug in rows:
        cadence = CADENCE_BY_NAME[record.cadence]
        day = record.next_date
        while pd.Period(day, freq="M") <= last_month:
            if pd.Period(day, freq="M") >= first_month:
                cell = totals[(slug, str(pd.Period(day, freq="M")))]
                cell[0] += record.expected_amount
                cell[1] += 1
            day = _next(day, cadence.name)
    return [
        {"category": slug, "month": month, "amount": total, "series": n, "currency": wanted}
        for (slug, month), (total, n) in sorted(
            totals.items(), key=lambda kv: (kv[0][1], str(kv[0][0]))
        )
    ]


def _next(day: dt.date, cadence: str) -> dt.date:
    if cadence == "weekly":
        return day + dt.timedelta(days=7)
    if cadence == "biweekly":
        return day + dt.timedelta(days=14)
    months = {"monthly": 1, "quarterly": 3, "annual": 12}[cadence]
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def forget(user_id: int | None = None) -> None:
    """Detect again on the next request (tests, restores)."""
    MEMO.forget(user_id)


def delete_all(session: Session, user_id: int) -> None:
    """Remove every stored series of the user (their decisions too)."""
    session.execute(delete(RecurringSeriesRecord).where(RecurringSeriesRecord.user_id == user_id))
    session.commit()
    MEMO.forget(user_id)


def list_for_cli(
    engine: Engine, email: str, *, status: str | None = None, currency: str | None = None
) -> list[dict[str, Any]]:
    """The series of the user with ``email`` as plain dicts, for ``fincast recurring list``."""
    wanted = ReviewStatus(status) if status else None
    user_id = find_user(engine, email).id
    with session_scope(engine) as session:
        rows, _ = list_series(session, user_id, status=wanted, currency=currency, limit=1000)
        return [series_dict(r) for r in rows]


def series_dict(row: RecurringSeriesRecord) -> dict[str, Any]:
    """One stored series as a plain dict (money as decimal strings, dates as ISO)."""
    return {
        "id": row.id,
        "payee": row.payee,
        "payee_key": row.payee_key,
        "cadence": row.cadence,
        "currency": row.currency,
        "status": row.status.value,
        "state": row.state,
        "amount": str(row.amount),
        "expected_amount": str(row.expected_amount),
        "amount_varies": row.amount_varies,
        "next_date": row.next_date.isoformat(),
        "last_date": row.last_date.isoformat(),
        "occurrences": row.occurrences,
        "missed": list(row.missed or []),
        "price_changes": list(row.price_changes or []),
        "confidence": row.confidence,
    }


# --- evaluation on a generated folder ------------------------------------------------------


def read_generated(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """The transactions, monthly panel and ground truth of a ``fincast generate`` folder."""
    root = Path(folder)
    paths = {k: root / v for k, v in FILES.items()}
    missing = [
        p.name
        for k, p in paths.items()
        if k in ("transactions", "monthly", "ground_truth") and not p.is_file()
    ]
    if missing:
        raise InputError(f"{root} is not a `fincast generate` folder: missing {missing}")
    tx = pd.read_csv(paths["transactions"], dtype=str, keep_default_na=False)
    tx["amount"] = tx["amount"].astype(float)
    monthly = pd.read_csv(paths["monthly"], dtype=str, keep_default_na=False)
    for column in monthly.columns[2:]:
        monthly[column] = monthly[column].astype(float)
    return tx, monthly, read_ground_truth(paths["ground_truth"])


def evaluate_folder(folder: str | Path) -> dict[str, Any]:
    """Precision and recall of series and price changes on a generated folder's truth."""
    tx, _, truth = read_generated(folder)
    return detector_scores.score_recurring(tx, truth)
