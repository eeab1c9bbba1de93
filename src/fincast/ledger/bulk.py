"""Bulk loading of a transactions frame (synthetic households, demo data) into the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from fincast.db.dialect import insert_ignore
from fincast.db.engine import session_scope
from fincast.errors import InputError
from fincast.ledger import service
from fincast.ledger.fingerprint import content_fingerprint, normalize_payee
from fincast.ledger.models import CategorySource, Transaction, utcnow

REQUIRED = ("user_id", "account", "account_type", "date", "amount", "category")
CHUNK = 5_000


def synthetic_email(user_key: str) -> str:
    """The login-less email a synthetic or loaded household gets."""
    return f"{user_key.lower()}@households.fincast.invalid"


def load_transactions_frame(
    engine: Engine,
    df: pd.DataFrame,
    *,
    progress: Callable[[int], None] | None = None,
    emails: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Load transactions (columns of ``transactions.csv``) into the ledger, idempotently.

    Users are keyed by ``user_id`` (an email is derived unless ``emails`` maps it), accounts
    by name, categories by slug. Re-loading the same frame adds nothing: each row gets a
    content fingerprint with an occurrence index. ``progress`` receives rows processed.
    """
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"the following columns are missing: {missing}")
    frame = df.reset_index(drop=True).copy()
    for col in ("payee", "description", "currency"):
        if col not in frame.columns:
            frame[col] = "" if col != "currency" else "USD"
    frame["user_id"] = frame["user_id"].astype(str)
    frame["payee"] = frame["payee"].fillna("").astype(str)
    frame["description"] = frame["description"].fillna("").astype(str)
    try:
        frame["p_date"] = pd.to_datetime(frame["date"], format="ISO8601").dt.date
    except (ValueError, TypeError) as exc:
        raise InputError(f"column 'date' holds a value that is not an ISO date: {exc}") from exc
    amounts: list[Decimal] = []
    for i, raw in enumerate(frame["amount"].astype(str)):
        try:
            amounts.append(Decimal(raw).quantize(Decimal("0.01")))
        except InvalidOperation as exc:
            raise InputError(f"row {i + 2}: field 'amount' is not a number: {raw!r}") from exc
    frame["p_amount"] = amounts
    frame["p_payee"] = frame["payee"].map(normalize_payee)

    inserted_before = _count(engine)
    user_ids: dict[str, int] = {}
    account_ids: dict[tuple[str, str], int] = {}
    cat_ids: dict[str, dict[str, int]] = {}
    with session_scope(engine) as session:
        for key in frame["user_id"].unique():
            email = (emails or {}).get(key) or synthetic_email(key)
            user = service.get_or_create_user(session, email)
            user_ids[key] = user.id
            cat_ids[key] = service.category_ids(session, user.id)
        accounts = frame.drop_duplicates(["user_id", "account"])
        for row in accounts.itertuples(index=False):
            acc = service.get_or_create_account(
                session,
                user_ids[row.user_id],
                str(row.account),
                type=str(row.account_type),
                currency=str(row.currency or "USD"),
            )
            account_ids[(row.user_id, str(row.account))] = acc.id
    unknown = set(frame["category"].dropna().astype(str)) - {s for m in cat_ids.values() for s in m}
    if unknown:
        raise InputError(f"unknown category slugs: {sorted(unknown)}")

    frame["p_account"] = [
        account_ids[(u, str(a))] for u, a in zip(frame["user_id"], frame["account"], strict=True)
    ]
    frame["p_occ"] = frame.groupby(
        ["p_account", "p_date", "p_amount", "p_payee"], sort=False
    ).cumcount()
    now = utcnow()
    total = len(frame)
    with engine.begin() as conn:
        for start in range(0, total, CHUNK):
            part = frame.iloc[start : start + CHUNK]
            rows = [_row(r, user_ids, cat_ids, now) for r in part.itertuples(index=False)]
            insert_ignore(conn, Transaction.__table__, rows)  # type: ignore[arg-type]
            if progress is not None:
                progress(len(part))
    added = _count(engine) - inserted_before
    return {"rows": total, "imported": added, "duplicates": total - added, "users": len(user_ids)}


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Transaction)).scalar_one())


def _row(
    r: Any,
    user_ids: Mapping[str, int],
    cat_ids: Mapping[str, Mapping[str, int]],
    now: dt.datetime,
) -> dict[str, object]:
    user_key = r.user_id
    slug = r.category
    has_cat = isinstance(slug, str) and slug != ""
    return {
        "user_id": user_ids[user_key],
        "account_id": r.p_account,
        "posted_date": r.p_date,
        "amount": r.p_amount,
        "currency": str(r.currency or "USD"),
        "payee_raw": r.payee or None,
        "payee": r.p_payee or None,
        "description_raw": r.description or None,
        "description": r.description or None,
        "category_id": cat_ids[user_key][slug] if has_cat else None,
        "category_source": CategorySource.IMPORT.value if has_cat else None,
        "external_id": None,
        "fingerprint": content_fingerprint(
            r.p_account,
            r.p_date,
            r.p_amount,
            r.p_payee,
            r.p_occ,
        ),
        "import_batch_id": None,
        "created_at": now,
    }


__all__ = ["load_transactions_frame", "synthetic_email"]
