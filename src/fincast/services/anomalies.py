"""Anomalies with reasons: detect, store, review, and score the detectors.

The API (``/api/anomalies``) and the CLI (``fincast anomalies``) call these functions.
Detection (:mod:`fincast.insights.anomalies`) runs once per data version of the user's
ledger and upserts one row per (kind, subject), keeping the user's ``status``: a dismissed
flag stays dismissed after every later import. Months are compared with the user's own
months and with synthetic peers (households from :mod:`fincast.synth`, never other users),
in each currency of the user's accounts on its own (amounts are never added across
currencies), and so are a category's months and each transaction (judged against the
transactions in its currency only): a month or category-spike flag of a currency other than
the primary one names it, in its subject (``2024-05 EUR``, ``dining:2024-05 EUR``) and its
reason. Every flag stores the currency of its amount; :func:`list_flags` with a
``currency`` keeps the flags of that currency.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fincast.db.engine import session_scope
from fincast.insights import detector_scores
from fincast.insights.anomalies import (
    AnomalyFlag,
    category_spikes,
    month_flags,
    monthly_ratios,
    transaction_flags,
)
from fincast.insights.recurring import detect_recurring
from fincast.ledger.models import AnomalyRecord, Category, ReviewStatus, utcnow
from fincast.panel import build_panel, panel_to_monthly_wide
from fincast.services._detections import RunMemo, ledger_frame
from fincast.services._owned import get_owned, list_owned
from fincast.services.panels import PanelCurrency, session_currency
from fincast.services.recurring import read_generated
from fincast.services.resources import NO_ACCOUNT_CURRENCY
from fincast.services.users import find_user
from fincast.synth import generate_households

MEMO = RunMemo()
CENT = Decimal("0.01")
PEER_HOUSEHOLDS, PEER_MONTHS, PEER_SEED = 60, 24, 7_310_2024


@lru_cache(maxsize=1)
def peer_ratios() -> pd.DataFrame:
    """Monthly ratios of synthetic peer households (generated once per process)."""
    peers = generate_households(PEER_HOUSEHOLDS, PEER_MONTHS, PEER_SEED)
    monthly = peers.monthly.copy()
    for column in monthly.columns[2:]:
        monthly[column] = monthly[column].astype(float)
    monthly["user_id"] = "peer:" + monthly["user_id"].astype(str)
    return monthly_ratios(monthly)


def detect(session: Session, user_id: int, frame: pd.DataFrame | None = None) -> list[AnomalyFlag]:
    """The user's flags as the detectors see them now (nothing stored).

    Transaction flags carry the transaction's id; payments of recurring series are not
    judged for their amount. Month flags of both detectors on one month are merged. Every
    flag carries its currency.
    """
    frame = ledger_frame(session, user_id) if frame is None else frame
    if frame.empty:
        return []
    series = detect_recurring(frame, as_of=frame["date"].max().date())
    expected = [i for s in series for i in s.transaction_ids]
    spending = frame[frame["kind"].isin(["expense", ""])]
    pc = session_currency(session, user_id)
    flags = transaction_flags(spending, expected=expected)
    return flags + _spikes(spending, pc) + _months(session, user_id, pc)


def _named(flags: list[AnomalyFlag], currency: str) -> list[AnomalyFlag]:
    """``flags`` of a non-primary currency, which their subject and reason name."""
    return [
        dataclasses.replace(
            f,
            subject=f"{f.subject} {currency}",
            reason=f"{currency}: {f.reason}",
            currency=currency,
        )
        for f in flags
    ]


def _spikes(spending: pd.DataFrame, pc: PanelCurrency) -> list[AnomalyFlag]:
    """Category spikes in each currency's accounts on their own (never a sum of two)."""
    flags = []
    for flag in category_spikes(spending):  # per ledger_frame's ``currency``
        if flag.currency is None or flag.currency == pc.currency:
            flags.append(flag)
        else:
            flags += _named([flag], flag.currency)
    return flags


def _months(session: Session, user_id: int, pc: PanelCurrency | None = None) -> list[AnomalyFlag]:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    pc = pc if pc is not None else session_currency(session, user_id)
    found = _months_in(engine, user_id, pc.currency)
    flags = [dataclasses.replace(f, currency=pc.currency) for f in found]
    for other in pc.currencies:
        if other != pc.currency:
            flags += _named(_months_in(engine, user_id, other), other)
    return flags


def _months_in(engine: Engine, user_id: int, currency: str | None) -> list[AnomalyFlag]:
    wide = panel_to_monthly_wide(build_panel(engine, [user_id], currency=currency), user_id)
    if len(wide) < 6:
        return []
    ratios = pd.concat([monthly_ratios(wide.assign(user_id="me")), peer_ratios()])
    merged: dict[str, AnomalyFlag] = {}
    for flag in month_flags(ratios, users=["me"]).get("me", []):
        seen = merged.get(flag.subject)
        if seen is None:
            merged[flag.subject] = flag
        else:
            merged[flag.subject] = AnomalyFlag(
                kind=seen.kind,
                subject=seen.subject,
                date=seen.date,
                score=max(seen.score, flag.score),
                reason=seen.reason,
                detector="robust+isolation_forest",
                month=seen.month,
                currency=seen.currency,
            )
    return list(merged.values())


def refresh(session: Session, user_id: int, *, force: bool = False) -> int:
    """Detect again if the ledger changed since the last run and upsert; return flags found.

    Returns -1 when the stored flags were fresh and nothing ran.
    """
    version, fresh = MEMO.version(session, user_id)
    stored = session.scalar(select(func.count()).where(AnomalyRecord.user_id == user_id))
    if fresh and stored and not force:
        return -1
    frame = ledger_frame(session, user_id)
    flags = detect(session, user_id, frame)
    try:
        _upsert(session, user_id, flags, frame)
        session.commit()
    except IntegrityError:  # another request stored the same flag first
        session.rollback()
    MEMO.done(user_id, version)
    return len(flags)


def _upsert(session: Session, user_id: int, flags: list[AnomalyFlag], frame: pd.DataFrame) -> None:
    fingerprint = dict(zip(frame["id"], frame["fingerprint"], strict=True))
    categories = {
        key: value
        for key, value in session.execute(
            select(Category.slug, Category.id).where(Category.user_id == user_id)
        )
    }
    existing = {
        (r.kind, r.subject): r
        for r in session.scalars(select(AnomalyRecord).where(AnomalyRecord.user_id == user_id))
    }
    now = utcnow()
    seen = set()
    for flag in flags:
        tx_id = int(flag.transaction_id) if flag.transaction_id is not None else None
        subject = fingerprint[tx_id] if tx_id is not None else flag.subject
        key = (flag.kind, subject)
        if key in seen:
            continue
        seen.add(key)
        row = existing.get(key)
        if row is None:
            row = AnomalyRecord(
                user_id=user_id, kind=flag.kind, subject=subject, status=ReviewStatus.NEW
            )
            session.add(row)
        row.detector = flag.detector
        row.transaction_id = tx_id
        row.category_id = categories.get(flag.category or "")
        row.posted_date = flag.date
        row.month = flag.month or flag.date.strftime("%Y-%m")
        row.amount = (
            Decimal(str(round(flag.amount, 2))).quantize(CENT) if flag.amount is not None else None
        )
        # ledger_frame and the panels give every flag its currency
        row.currency = flag.currency or NO_ACCOUNT_CURRENCY
        row.payee = flag.payee[:255] if flag.payee else None
        row.score = float(flag.score)
        row.reason = flag.reason[:500]
        row.detected_at = now
    for key, row in existing.items():
        if key not in seen and row.status is ReviewStatus.NEW:
            session.delete(row)


def list_flags(
    session: Session,
    user_id: int,
    *,
    status: ReviewStatus | None = None,
    kind: str | None = None,
    currency: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[AnomalyRecord], int]:
    """One page of the user's flags (detected first if the ledger changed), newest first.

    With ``currency``: the flags of that currency only (that of their amount).

    Raises:
        InputError: ``currency`` is not the currency of any of the user's accounts.
    """
    pc = session_currency(session, user_id, currency) if currency is not None else None
    refresh(session, user_id)
    where = []
    if status is not None:
        where.append(AnomalyRecord.status == status)
    if kind is not None:
        where.append(AnomalyRecord.kind == kind)
    if pc is not None:
        where.append(AnomalyRecord.currency == pc.currency)
    return list_owned(
        session,
        AnomalyRecord,
        user_id,
        offset=offset,
        limit=limit,
        where=where,
        order_by=[AnomalyRecord.posted_date.desc(), AnomalyRecord.score.desc()],
    )


def set_status(session: Session, user_id: int, flag_id: int, status: ReviewStatus) -> AnomalyRecord:
    """Confirm or dismiss (or reopen) one of the user's flags; kept across detections."""
    row = get_owned(session, AnomalyRecord, user_id, flag_id, "anomaly")
    row.status = status
    session.commit()
    session.refresh(row)
    return row


def forget(user_id: int | None = None) -> None:
    """Detect again on the next request (tests, restores)."""
    MEMO.forget(user_id)


def flag_dict(row: AnomalyRecord) -> dict[str, Any]:
    """One stored flag as a plain dict (money as a decimal string, dates as ISO)."""
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status.value,
        "detector": row.detector,
        "date": row.posted_date.isoformat(),
        "month": row.month,
        "payee": row.payee,
        "amount": str(row.amount) if row.amount is not None else None,
        "currency": row.currency,
        "score": row.score,
        "reason": row.reason,
        "transaction_id": row.transaction_id,
    }


def list_for_cli(
    engine: Engine,
    email: str,
    *,
    status: str | None = None,
    kind: str | None = None,
    currency: str | None = None,
) -> list[dict[str, Any]]:
    """The flags of the user with ``email`` as plain dicts, for ``fincast anomalies list``."""
    wanted = ReviewStatus(status) if status else None
    user_id = find_user(engine, email).id
    with session_scope(engine) as session:
        rows, _ = list_flags(
            session, user_id, status=wanted, kind=kind, currency=currency, limit=1000
        )
        return [flag_dict(r) for r in rows]


def evaluate_folder(folder: str | Path) -> dict[str, Any]:
    """Precision and recall per kind, robust detector beside the isolation forest."""
    tx, monthly, truth = read_generated(folder)
    return detector_scores.score_anomalies(tx, monthly, truth)
