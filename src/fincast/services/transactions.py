"""Transactions of one user: filtered listing, manual entry, correction, deletion."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from fincast.ingest.fingerprint import content_fingerprint, normalize_payee, strip_invisible
from fincast.ledger.models import Account, CategorySource, Transaction
from fincast.services._owned import (
    check_refs,
    delete_owned,
    get_owned,
    list_owned,
    save,
)


@dataclass(frozen=True)
class TransactionFilter:
    """What a transaction list may be narrowed by; ``None`` means no restriction."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    account_id: int | None = None
    category_id: int | None = None
    text: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The SQL conditions this filter stands for."""
        out: list[ColumnElement[bool]] = []
        if self.date_from is not None:
            out.append(Transaction.posted_date >= self.date_from)
        if self.date_to is not None:
            out.append(Transaction.posted_date <= self.date_to)
        if self.account_id is not None:
            out.append(Transaction.account_id == self.account_id)
        if self.category_id is not None:
            out.append(Transaction.category_id == self.category_id)
        if self.amount_min is not None:
            out.append(Transaction.amount >= self.amount_min)
        if self.amount_max is not None:
            out.append(Transaction.amount <= self.amount_max)
        if self.text:
            needle = self.text.lower()
            out.append(
                or_(
                    func.lower(Transaction.payee).contains(needle, autoescape=True),
                    func.lower(Transaction.description).contains(needle, autoescape=True),
                )
            )
        return out


def list_transactions(
    session: Session,
    user_id: int,
    flt: TransactionFilter,
    *,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Transaction], int]:
    """One page of ``user_id``'s transactions matching ``flt``, newest first, and the count."""
    return list_owned(
        session,
        Transaction,
        user_id,
        offset=offset,
        limit=limit,
        where=flt.conditions(),
        order_by=(Transaction.posted_date.desc(), Transaction.id.desc()),
    )


def get_transaction(session: Session, user_id: int, tx_id: int) -> Transaction:
    """``user_id``'s transaction ``tx_id`` (NotFoundError otherwise)."""
    return get_owned(session, Transaction, user_id, tx_id, "transaction")


def _free_fingerprint(
    session: Session, account_id: int, posted: dt.date, amount: Decimal, payee: str | None
) -> str:
    """The first content fingerprint not yet used on the account (twins get 1, 2, ...)."""
    norm = normalize_payee(payee)
    for occurrence in range(1000):
        fp = content_fingerprint(account_id, posted, amount, norm, occurrence)
        taken = session.scalar(
            select(Transaction.id).where(
                Transaction.account_id == account_id, Transaction.fingerprint == fp
            )
        )
        if taken is None:
            return fp
    # A thousand identical manual entries on one day: fall back to a unique key.
    return hashlib.sha256(
        f"m|{account_id}|{posted}|{amount}|{norm}|{dt.datetime.now(dt.UTC)}".encode()
    ).hexdigest()


_TEXT_FIELDS = frozenset({"payee", "description"})


def _visible(text: str | None) -> str | None:
    """``text`` without invisible format characters (bidi controls); empty becomes None."""
    cleaned = strip_invisible(text)
    if cleaned is None or cleaned == text:
        return text
    return cleaned.strip() or None


def create_transaction(session: Session, user_id: int, fields: Mapping[str, Any]) -> Transaction:
    """Record a manually entered transaction; a given category counts as the user's choice."""
    check_refs(session, user_id, fields)

    account = session.get(Account, fields["account_id"])
    assert account is not None  # check_refs proved it exists
    data = dict(fields)
    data["currency"] = (data.get("currency") or account.currency).upper()
    # The raw columns keep what was sent; the shown text loses invisible format characters.
    data["payee_raw"] = data.get("payee")
    data["description_raw"] = data.get("description")
    payee = data["payee"] = _visible(data.get("payee"))
    if "description" in data:
        data["description"] = _visible(data["description"])
    if data.get("category_id") is not None:
        data["category_source"] = CategorySource.USER
    data["fingerprint"] = _free_fingerprint(
        session, account.id, data["posted_date"], data["amount"], payee
    )
    return save(session, Transaction(user_id=user_id, **data), "transaction")


def update_transaction(
    session: Session, user_id: int, tx_id: int, fields: Mapping[str, Any]
) -> Transaction:
    """Change a transaction; setting ``category_id`` marks the category as the user's."""
    tx = get_transaction(session, user_id, tx_id)
    check_refs(session, user_id, fields)
    for key, value in fields.items():
        if key in _TEXT_FIELDS:
            value = _visible(value)
        setattr(tx, key, value.upper() if key == "currency" and value else value)
    if "category_id" in fields:
        tx.category_source = CategorySource.USER
    return save(session, tx, "transaction")


def delete_transaction(session: Session, user_id: int, tx_id: int) -> None:
    """Delete ``user_id``'s transaction ``tx_id``."""
    delete_owned(session, get_transaction(session, user_id, tx_id))
