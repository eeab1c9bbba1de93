"""Data-revision tokens: every write to a user's ledger renews theirs, and only theirs.

The data version every cached answer is keyed by reads this token
(fincast/ledger/revisions.py); a write that did not renew it would serve stale forecasts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import Engine, text, update

from fincast.db.engine import session_scope
from fincast.ledger import revisions, service
from fincast.ledger.loader import load_transactions_frame, synthetic_email
from fincast.ledger.models import Account, Category, Transaction
from fincast.services.forecasting.versions import data_version
from fincast.services.transactions import (
    create_transaction,
    delete_transaction,
    update_transaction,
)


def _token(engine: Engine, user_id: int) -> str:
    with session_scope(engine) as s:
        return str(data_version(s, user_id)[1])


@pytest.fixture()
def two_users(engine: Engine) -> tuple[int, int, int]:
    with session_scope(engine) as s:
        a = service.create_user(s, "a@example.com")
        b = service.create_user(s, "b@example.com")
        account = service.get_or_create_account(s, a.id, "Checking")
        s.flush()
        return a.id, b.id, account.id


def _new_tx(engine: Engine, user: int, account: int, amount: str = "-12.50") -> int:
    with session_scope(engine) as s:
        tx = create_transaction(
            s,
            user,
            {
                "account_id": account,
                "posted_date": dt.date(2026, 1, 5),
                "amount": Decimal(amount),
                "payee": "Corner shop",
            },
        )
        return tx.id


def test_new_users_get_random_tokens(engine: Engine) -> None:
    tokens = []
    for email in ("x@example.com", "y@example.com"):
        with session_scope(engine) as s:
            uid = service.create_user(s, email).id
        tokens.append(_token(engine, uid))
    assert len(set(tokens)) == 2 and "0" not in tokens
    with session_scope(engine) as s:
        uid = service.get_user_by_email(s, "x@example.com").id
    assert _token(engine, uid) == _token(engine, uid)  # reading does not renew it


def test_orm_writes_renew_only_their_users_token(
    engine: Engine, two_users: tuple[int, int, int]
) -> None:
    a, b, account = two_users
    seen_a, seen_b = [_token(engine, a)], _token(engine, b)
    tx = _new_tx(engine, a, account)
    seen_a.append(_token(engine, a))
    with session_scope(engine) as s:
        update_transaction(s, a, tx, {"amount": Decimal("-13.00")})
    seen_a.append(_token(engine, a))
    with session_scope(engine) as s:
        delete_transaction(s, a, tx)
    seen_a.append(_token(engine, a))
    assert len(set(seen_a)) == 4, seen_a  # create, update and delete each renewed it
    assert _token(engine, b) == seen_b  # the other user's cached answers stay valid


def test_core_bulk_write_without_a_named_user_renews_every_token(
    engine: Engine, two_users: tuple[int, int, int]
) -> None:
    a, b, account = two_users
    tx = _new_tx(engine, a, account)
    before = (_token(engine, a), _token(engine, b))
    with engine.begin() as conn:  # nobody said whose ledger this is
        conn.execute(update(Transaction).where(Transaction.id == tx).values(amount=Decimal("-1")))
    after = (_token(engine, a), _token(engine, b))
    assert after[0] != before[0] and after[1] != before[1]


def test_text_sql_and_category_changes_are_seen(
    engine: Engine, two_users: tuple[int, int, int]
) -> None:
    a, _, _ = two_users
    before = _token(engine, a)
    with engine.begin() as conn:
        conn.execute(text("UPDATE categories SET name = 'Food' WHERE user_id = :u"), {"u": a})
    middle = _token(engine, a)
    with session_scope(engine) as s:
        category = s.query(Category).filter_by(user_id=a).first()
        assert category is not None
        category.kind = "income" if category.kind != "income" else "expense"
    assert len({before, middle, _token(engine, a)}) == 3


def test_account_change_renews_token(engine: Engine, two_users: tuple[int, int, int]) -> None:
    a, b, account = two_users
    before_a, before_b = _token(engine, a), _token(engine, b)
    with session_scope(engine) as s:
        row = s.get(Account, account)
        assert row is not None
        row.opening_balance = Decimal("250.00")  # the savings balance starts from it
    assert _token(engine, a) != before_a
    assert _token(engine, b) == before_b


def test_rolled_back_write_keeps_the_token(engine: Engine, two_users: tuple[int, int, int]) -> None:
    a, b, account = two_users
    tx = _new_tx(engine, a, account)
    before = (_token(engine, a), _token(engine, b))
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        row = s.get(Transaction, tx)
        assert row is not None
        row.amount = Decimal("-99.00")
        s.flush()  # written, then rolled back
        raise RuntimeError("abort")
    assert (_token(engine, a), _token(engine, b)) == before
    # ... and the next committed write on that pooled connection names only its own user.
    _new_tx(engine, a, account)
    assert _token(engine, b) == before[1]


def test_bulk_loader_renews_only_loaded_users(engine: Engine) -> None:
    """The bulk writer (PostgreSQL: COPY through its own cursor) names the loaded users."""
    with session_scope(engine) as s:
        bystander = service.create_user(s, "c@example.com").id
    before = _token(engine, bystander)
    frame = pd.DataFrame(
        {
            "user_id": ["h1", "h1"],
            "account": ["Checking", "Checking"],
            "account_type": ["checking", "checking"],
            "date": ["2026-01-02", "2026-01-03"],
            "amount": ["-10.00", "2500.00"],
            "category": ["groceries", "income"],
            "payee": ["Shop", "Employer"],
        }
    )
    load_transactions_frame(engine, frame)
    with session_scope(engine) as s:
        uid = service.get_user_by_email(s, synthetic_email("h1")).id
    first = _token(engine, uid)
    assert _token(engine, bystander) == before
    load_transactions_frame(engine, frame.assign(amount=["-11.00", "2500.00"]))
    assert _token(engine, uid) != first
    assert _token(engine, bystander) == before


def test_touch_without_a_statement_still_renews(
    engine: Engine, two_users: tuple[int, int, int]
) -> None:
    """A writer whose statements the engine cannot see (a DBAPI cursor) names its user."""
    a, b, _ = two_users
    before = (_token(engine, a), _token(engine, b))
    with engine.begin() as conn:
        revisions.touch(conn, a)
    assert _token(engine, a) != before[0]
    assert _token(engine, b) == before[1]
