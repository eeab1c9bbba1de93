"""The recurring service on a real database: upsert keeps decisions, known amounts for forecasts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Engine, select

from fincast.db.engine import session_scope
from fincast.ledger.models import (
    Account,
    AccountType,
    Category,
    RecurringSeriesRecord,
    ReviewStatus,
    Transaction,
    User,
)
from fincast.services import recurring
from fincast.taxonomy import CategoryKind


def _ledger(engine: Engine) -> int:
    with session_scope(engine) as s:
        user = User(email="bills@example.com")
        s.add(user)
        s.flush()
        account = Account(user_id=user.id, name="Checking", type=AccountType.CHECKING)
        bills = Category(
            user_id=user.id, slug="utilities", name="Utilities", kind=CategoryKind.EXPENSE
        )
        subs = Category(
            user_id=user.id, slug="subscriptions", name="Subscriptions", kind=CategoryKind.EXPENSE
        )
        s.add_all([account, bills, subs])
        s.flush()
        rows = []
        for month in range(1, 7):
            for day, amount, payee, category in (
                (12, "-15.49", "Netflix", subs),
                (3, "-60.00", "City Power", bills),
            ):
                rows.append((dt.date(2024, month, day), Decimal(amount), payee, category))
        rows.append((dt.date(2024, 6, 20), Decimal("-45.00"), "Gym Weekly", subs))
        for i, (day, amount, payee, category) in enumerate(rows):
            s.add(
                Transaction(
                    user_id=user.id,
                    account_id=account.id,
                    posted_date=day,
                    amount=amount,
                    currency="USD",
                    payee=payee,
                    category_id=category.id,
                    fingerprint=f"fp{i:04d}",
                )
            )
        return user.id


def test_known_amounts_are_the_confirmed_bills_per_category_and_month(engine: Engine) -> None:
    user_id = _ledger(engine)
    recurring.forget()
    with session_scope(engine) as s:
        assert recurring.refresh(s, user_id) == 2
        assert recurring.known_amounts(s, user_id) == []  # nothing confirmed yet
        rows = {r.payee: r for r in s.scalars(select(RecurringSeriesRecord))}
        recurring.set_status(s, user_id, rows["Netflix"].id, ReviewStatus.CONFIRMED)
        recurring.set_status(s, user_id, rows["City Power"].id, ReviewStatus.DISMISSED)
        known = recurring.known_amounts(s, user_id, months=2)
    netflix = {"category": "subscriptions", "amount": Decimal("-15.49"), "series": 1}
    assert known == [
        {**netflix, "month": "2024-07", "currency": "USD"},
        {**netflix, "month": "2024-08", "currency": "USD"},
    ]


def test_a_forced_run_keeps_decisions_and_forgets_undecided_series_no_longer_found(
    engine: Engine,
) -> None:
    user_id = _ledger(engine)
    recurring.forget()
    with session_scope(engine) as s:
        recurring.refresh(s, user_id)
        rows = {r.payee: r for r in s.scalars(select(RecurringSeriesRecord))}
        recurring.set_status(s, user_id, rows["Netflix"].id, ReviewStatus.DISMISSED)
        # every Netflix and City Power payment deleted: neither is found any more
        for tx in s.scalars(select(Transaction).where(Transaction.payee != "Gym Weekly")):
            s.delete(tx)
        s.commit()
        assert recurring.refresh(s, user_id, force=True) == 0
        left = {r.payee: r.status for r in s.scalars(select(RecurringSeriesRecord))}
    assert left == {"Netflix": ReviewStatus.DISMISSED}
