"""Anomalies per currency (issue 14): detected in each currency's accounts on their own, and
listed by currency (the service's filter; tests/api/test_anomaly_currencies.py: the API's),
on every database backend.

The user has a USD account (primary: it holds most transactions) with a steady 600 of dining
a month, and a EUR account with 150. In August the EUR account has four dinners of 400: five
times the EUR month's median and more, so a EUR dining spike; added to the dollars it would
be 2,350 against a usual 750, no spike at all. One USD grocery run of 2,900 in November is
a USD transaction's flag.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from fincast.db.engine import session_scope
from fincast.errors import InputError
from fincast.ledger import service as ledger
from fincast.ledger.models import Account, AccountType, CategorySource, Transaction
from fincast.services import anomalies


def _seed(engine: Engine, user_id: int) -> None:
    rng = random.Random(5)
    with session_scope(engine) as s:
        cats = ledger.category_ids(s, user_id)
        usd = Account(user_id=user_id, name="Checking", type=AccountType.CHECKING, currency="USD")
        eur = Account(user_id=user_id, name="Konto", type=AccountType.CHECKING, currency="EUR")
        s.add_all([usd, eur])
        s.flush()
        rows: list[tuple[Account, dt.date, str, str, str]] = []
        for month in range(1, 13):
            day = dt.date(2023, month, 1)
            rows += [
                (usd, day, "3000.00", "income", "Employer"),
                (usd, day.replace(day=3), "-1000.00", "housing", "Landlord"),
                (
                    usd,
                    day.replace(day=9),
                    f"-{400 + rng.uniform(-30, 30):.2f}",
                    "groceries",
                    "Market",
                ),
                (usd, day.replace(day=15), f"-{600 + rng.uniform(-20, 20):.2f}", "dining", "Diner"),
                (eur, day.replace(day=2), "2000.00", "income", "Arbeitgeber"),
                (
                    eur,
                    day.replace(day=12),
                    f"-{150 + rng.uniform(-15, 15):.2f}",
                    "dining",
                    "Gasthaus",
                ),
            ]
        # one wild purchase in dollars: a transaction flag of the USD account
        rows.append((usd, dt.date(2023, 11, 20), "-2900.00", "groceries", "Market"))
        for i, name in enumerate(("Bistro Adler", "Bistro Berg", "Bistro Cafe", "Bistro Dom")):
            rows.append((eur, dt.date(2023, 8, 14 + 2 * i), "-400.00", "dining", name))
        for n, (account, day, amount, slug, payee) in enumerate(rows):
            s.add(
                Transaction(
                    user_id=user_id,
                    account_id=account.id,
                    posted_date=day,
                    amount=Decimal(amount),
                    currency=account.currency,
                    payee=payee,
                    category_id=cats[slug],
                    category_source=CategorySource.RULE,
                    fingerprint=f"cur-{user_id}-{n:05d}",
                )
            )


def _account_currency(engine: Engine) -> dict[int, str]:
    with session_scope(engine) as s:
        rows = s.execute(
            select(Transaction.id, Account.currency).join(
                Account, Account.id == Transaction.account_id
            )
        )
        return {int(t): str(c) for t, c in rows}


def test_flags_are_found_and_listed_per_currency(engine: Engine) -> None:
    with session_scope(engine) as s:
        user_id = ledger.create_user(s, "two@example.org").id
    _seed(engine, user_id)
    anomalies.forget()
    with session_scope(engine) as s:
        every, n = anomalies.list_flags(s, user_id, limit=1000)
        eur, _ = anomalies.list_flags(s, user_id, currency="eur", limit=1000)
        usd, _ = anomalies.list_flags(s, user_id, currency="USD", limit=1000)
        with pytest.raises(InputError, match="GBP"):
            anomalies.list_flags(s, user_id, currency="GBP")
        every_ids = {r.id for r in every}
        eur_rows = [(r.id, r.kind, r.subject, r.transaction_id) for r in eur]
        usd_rows = [(r.id, r.kind, r.subject, r.transaction_id) for r in usd]
    held = _account_currency(engine)
    spikes = {subject for _, kind, subject, _ in eur_rows if kind == "category_spike"}
    assert spikes == {"dining:2023-08 EUR"}  # the EUR dinners, judged on the EUR months
    assert not any(kind == "category_spike" for _, kind, _, _ in usd_rows)
    assert any(subject == "2023-08 EUR" for _, _, subject, _ in eur_rows)
    for _, kind, subject, tx in eur_rows:
        assert (held[tx] == "EUR") if tx is not None else subject.endswith(" EUR"), subject
    for _, kind, subject, tx in usd_rows:
        assert (held[tx] == "USD") if tx is not None else " " not in subject, subject
    # every flag here is of one currency or the other
    eur_ids, usd_ids = {r[0] for r in eur_rows}, {r[0] for r in usd_rows}
    assert not eur_ids & usd_ids and eur_ids | usd_ids == every_ids and n == len(every_ids)
    assert any(tx is not None and held[tx] == "USD" for _, _, _, tx in usd_rows)
