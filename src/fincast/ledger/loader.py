"""The frame loader: a transactions frame (synthetic households, demo data) into the ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation

import pandas as pd
from sqlalchemy import Engine, func, select

from fincast.db.engine import session_scope
from fincast.errors import InputError
from fincast.ingest.fingerprint import content_fingerprint, normalize_payee
from fincast.ingest.rows import TransactionRow
from fincast.ledger import service
from fincast.ledger.models import CategorySource, Transaction, utcnow
from fincast.ledger.writer import write_transactions

REQUIRED = ("user_id", "account", "account_type", "date", "amount", "category")


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
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(object)
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
    # Payees repeat a lot: normalise each distinct one once.
    distinct = {p: normalize_payee(p) for p in frame["payee"].unique()}
    frame["p_payee"] = frame["payee"].map(distinct)

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
    total = len(frame)
    frame["p_user"] = frame["user_id"].map(user_ids)
    frame["p_category"] = [
        cat_ids[u].get(c) if isinstance(c, str) and c else None
        for u, c in zip(frame["user_id"], frame["category"], strict=True)
    ]
    frame["p_fp"] = [
        content_fingerprint(a, d, m, p, o)
        for a, d, m, p, o in zip(
            frame["p_account"],
            frame["p_date"],
            frame["p_amount"],
            frame["p_payee"],
            frame["p_occ"],
            strict=True,
        )
    ]
    with engine.begin() as conn:
        write_transactions(conn, _rows(frame), cache_mib=512, progress=progress)
    added = _count(engine) - inserted_before
    return {"rows": total, "imported": added, "duplicates": total - added, "users": len(user_ids)}


def _rows(frame: pd.DataFrame) -> Iterator[TransactionRow]:
    created_at = utcnow()
    source = CategorySource.IMPORT.value
    names = "p_user p_account p_date p_amount currency payee p_payee description p_category p_fp"
    # Plain lists zipped: far faster than itertuples() on a large frame.
    for user, account, day, amount, currency, payee, norm, text, cat, fp in zip(
        *(frame[name].tolist() for name in names.split()), strict=True
    ):
        # A missing category is None or, once pandas has seen floats, NaN (never equal to itself).
        category = None if cat is None or cat != cat else int(cat)
        yield (
            int(user),
            int(account),
            day,
            amount,
            str(currency or "USD"),
            payee or None,
            norm or None,
            text or None,
            text[:500] or None,
            category,
            None if category is None else source,
            None,
            fp,
            None,
            created_at,
        )


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Transaction)).scalar_one())


__all__ = ["load_transactions_frame", "synthetic_email"]
