"""Transactions of one user: filtered listing, manual entry, correction, deletion."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, Select, String, bindparam, func, or_, select
from sqlalchemy.orm import Session

from fincast.errors import InputError
from fincast.ingest.fingerprint import content_fingerprint, normalize_payee, strip_invisible
from fincast.ledger.models import Account, CategorySource, Transaction
from fincast.services._owned import check_refs, delete_owned, get_owned, save


def _text_condition() -> ColumnElement[bool]:
    pattern = bindparam("text", type_=String())
    return or_(
        func.lower(Transaction.payee).like(pattern, escape="/"),
        func.lower(Transaction.description).like(pattern, escape="/"),
    )


#: Each filter as a condition over a bound parameter of the same name.
_CONDITIONS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "date_from": lambda: Transaction.posted_date >= bindparam("date_from"),
    "date_to": lambda: Transaction.posted_date <= bindparam("date_to"),
    "account_id": lambda: Transaction.account_id == bindparam("account_id"),
    "category_id": lambda: Transaction.category_id == bindparam("category_id"),
    "amount_min": lambda: Transaction.amount >= bindparam("amount_min"),
    "amount_max": lambda: Transaction.amount <= bindparam("amount_max"),
    "text": _text_condition,
}


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

    def params(self) -> dict[str, Any]:
        """The bound values of the filters in use (``text`` as a LIKE pattern)."""
        out = {k: v for k, v in vars(self).items() if v is not None and k != "text"}
        if self.text:
            needle = self.text.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
            out["text"] = f"%{needle}%"
        return out


AnySelect = Select[*tuple[Any, ...]]
#: The columns a listed transaction shows (``TransactionPublic``), read without ORM objects.
LISTED_COLUMNS = (
    Transaction.id,
    Transaction.account_id,
    Transaction.posted_date,
    Transaction.amount,
    Transaction.currency,
    Transaction.payee,
    Transaction.payee_raw,
    Transaction.description,
    Transaction.category_id,
    Transaction.category_source,
    Transaction.suggested_category_id,  # the learned categorizer's (services/categorization)
    Transaction.category_confidence.label("confidence"),
    Transaction.external_id,
    Transaction.import_batch_id,
    Transaction.created_at,
)


@lru_cache(maxsize=512)
def _statements(filters: frozenset[str], keyset: bool) -> tuple[Select[int], AnySelect]:
    """The count and page statements for one combination of filters, built once.

    Building and keying a statement costs more than running it on an indexed page, so each
    shape of query is built the first time it is asked for and reused with new parameters.
    """
    where = [Transaction.user_id == bindparam("user_id")]
    where += [_CONDITIONS[name]() for name in sorted(filters)]
    count = select(func.count()).select_from(Transaction).where(*where)
    if keyset:
        # (posted_date, id) < (after_date, after_id), written so the date index bounds it.
        day, tx_id = bindparam("after_date", type_=Date()), bindparam("after_id", type_=Integer())
        where += [
            Transaction.posted_date <= day,
            or_(Transaction.posted_date < day, Transaction.id < tx_id),
        ]
    page = (
        select(*LISTED_COLUMNS)
        .where(*where)
        .order_by(Transaction.posted_date.desc(), Transaction.id.desc())
        .offset(bindparam("offset", type_=Integer()))
        .limit(bindparam("limit", type_=Integer()))
    )
    return count, page


@dataclass(frozen=True)
class TransactionPage:
    """One page of a listing: its rows as plain dicts, the total count, the next cursor."""

    rows: list[dict[str, Any]]
    count: int
    next_cursor: str | None


def encode_cursor(posted_date: dt.date, tx_id: int) -> str:
    """The opaque keyset cursor that continues a listing after ``(posted_date, tx_id)``."""
    raw = f"{posted_date.isoformat()},{tx_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.date, int]:
    """The ``(posted_date, id)`` a cursor continues after (InputError when it is not one)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        day, tx_id = raw.split(",")
        return dt.date.fromisoformat(day), int(tx_id)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InputError("after: not a cursor returned by this listing") from exc


def list_transactions(
    session: Session,
    user_id: int,
    flt: TransactionFilter,
    *,
    offset: int = 0,
    limit: int = 100,
    after: str | None = None,
) -> TransactionPage:
    """One page of ``user_id``'s transactions matching ``flt``, newest first, and the count.

    ``after`` (a cursor from an earlier page) continues the listing by keyset, which costs
    the same on page 1,000 as on page 1; ``offset`` still works and may not be combined
    with it. ``count`` is every match of ``flt``, whichever way the page was reached.
    """
    if after is not None and offset:
        raise InputError("use either offset or after, not both")
    params = {"user_id": user_id, **flt.params()}
    count_stmt, page_stmt = _statements(frozenset(params) - {"user_id"}, after is not None)
    # Plain column rows: the session's connection runs them without the ORM's loading layer.
    conn = session.connection()
    count = conn.execute(count_stmt, params).scalar_one()
    if after is not None:
        params["after_date"], params["after_id"] = decode_cursor(after)
    result = conn.execute(page_stmt, {**params, "offset": offset, "limit": limit})
    keys = tuple(result.keys())
    rows = [dict(zip(keys, row, strict=True)) for row in result]
    last = rows[-1] if len(rows) == limit else None
    cursor = None if last is None else encode_cursor(last["posted_date"], last["id"])
    return TransactionPage(rows, int(count), cursor)


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
