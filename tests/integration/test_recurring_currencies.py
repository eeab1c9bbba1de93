"""Recurring series and transaction flags per currency (issue 14), on every database backend.

The user has a USD account (primary: it holds most transactions) and a EUR one, and pays
Spotify monthly from each: 11.99 in dollars, 9.99 in euros. They are two series, each with
its own currency and amounts, and a forecast in one currency knows only its own bills.
At the market they shop weekly for about 40 dollars and now and then for about 150 euros:
the euros are ordinary among euros (never judged against the dollars), a 900-euro shop is
not.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from fincast.db.engine import session_scope
from fincast.errors import InputError
from fincast.ledger import service as ledger
from fincast.ledger.models import (
    Account,
    AccountType,
    AnomalyRecord,
    CategorySource,
    RecurringSeriesRecord,
    ReviewStatus,
    Transaction,
)
from fincast.services import anomalies, budgeting, recurring
from fincast.services.forecasting.known import known_bills

#: The EUR market shops: around 150 (median 150.00), on days that keep no cadence.
EUR_SHOPS = ("-148.00", "-150.00", "-152.00", "-151.00", "-149.00", "-150.00", "-150.00", "-153.00")
EUR_SHOP_DAYS = (3, 41, 58, 101, 117, 160, 171, 215)


def _add(
    s: Session, user_id: int, account: Account, row: tuple[dt.date, str, str, str], n: int
) -> None:
    day, amount, slug, payee = row
    s.add(
        Transaction(
            user_id=user_id,
            account_id=account.id,
            posted_date=day,
            amount=Decimal(amount),
            currency=account.currency,
            payee=payee,
            category_id=ledger.category_ids(s, user_id)[slug],
            category_source=CategorySource.RULE,
            fingerprint=f"rc-{user_id}-{n:05d}",
        )
    )


def seed_two_currencies(engine: Engine, user_id: int, *, big_eur_shop: bool = False) -> None:
    """The module's ledger for ``user_id`` (eight months of 2024, both accounts)."""
    with session_scope(engine) as s:
        usd = Account(user_id=user_id, name="Checking", type=AccountType.CHECKING, currency="USD")
        eur = Account(user_id=user_id, name="Konto", type=AccountType.CHECKING, currency="EUR")
        s.add_all([usd, eur])
        s.flush()
        rows: list[tuple[Account, dt.date, str, str, str]] = []
        for month in range(1, 9):
            rows.append((usd, dt.date(2024, month, 5), "-11.99", "subscriptions", "Spotify"))
            rows.append((eur, dt.date(2024, month, 7), "-9.99", "subscriptions", "Spotify"))
        start = dt.date(2024, 1, 1)
        for week in range(34):
            amount = f"-{40 + (week % 5) - 2:.2f}"  # 38..42
            rows.append(
                (usd, start + dt.timedelta(days=7 * week + 1), amount, "groceries", "Market")
            )
        for day, amount in zip(EUR_SHOP_DAYS, EUR_SHOPS, strict=True):
            rows.append((eur, start + dt.timedelta(days=day), amount, "groceries", "Market"))
        if big_eur_shop:
            rows.append((eur, dt.date(2024, 8, 20), "-900.00", "groceries", "Market"))
        for n, (account, day, amount, slug, payee) in enumerate(rows):
            _add(s, user_id, account, (day, amount, slug, payee), n)


def _user(engine: Engine, email: str = "two@example.org") -> int:
    with session_scope(engine) as s:
        return ledger.create_user(s, email).id


def _spotify(engine: Engine, user_id: int) -> dict[str, RecurringSeriesRecord]:
    with session_scope(engine) as s:
        rows = s.scalars(
            select(RecurringSeriesRecord).where(
                RecurringSeriesRecord.user_id == user_id,
                RecurringSeriesRecord.payee_key == "spotify",
            )
        ).all()
        s.expunge_all()
        return {r.currency: r for r in rows}


def test_a_payee_paid_in_two_currencies_is_two_series(engine: Engine) -> None:
    user_id = _user(engine)
    seed_two_currencies(engine, user_id)
    recurring.forget()
    with session_scope(engine) as s:
        rows, count = recurring.list_series(s, user_id)
        eur_only, eur_count = recurring.list_series(s, user_id, currency="eur")
        with pytest.raises(InputError, match="GBP"):
            recurring.list_series(s, user_id, currency="GBP")
        every = [(r.payee_key, r.currency) for r in rows]
        eur_keys = [(r.payee_key, r.currency) for r in eur_only]
    assert ("spotify", "EUR") in every and ("spotify", "USD") in every
    assert count == len(every) and eur_count == len(eur_keys)
    assert all(c == "EUR" for _, c in eur_keys) and ("spotify", "EUR") in eur_keys
    series = _spotify(engine, user_id)
    assert set(series) == {"EUR", "USD"}
    eur, usd = series["EUR"], series["USD"]
    assert (eur.cadence, eur.amount, eur.expected_amount) == (
        "monthly",
        Decimal("-9.99"),
        Decimal("-9.99"),
    )
    assert (usd.cadence, usd.amount, usd.expected_amount) == (
        "monthly",
        Decimal("-11.99"),
        Decimal("-11.99"),
    )
    assert eur.occurrences == usd.occurrences == 8
    assert (eur.first_date, eur.last_date) == (dt.date(2024, 1, 7), dt.date(2024, 8, 7))
    assert (usd.first_date, usd.last_date) == (dt.date(2024, 1, 5), dt.date(2024, 8, 5))
    assert eur.price_changes == [] and usd.price_changes == []
    with session_scope(engine) as s:
        accounts = {a.id: a.currency for a in s.scalars(select(Account))}
    assert accounts[eur.account_id] == "EUR" and accounts[usd.account_id] == "USD"


def test_a_dismissed_eur_series_stays_dismissed_after_a_new_import(engine: Engine) -> None:
    user_id = _user(engine)
    seed_two_currencies(engine, user_id)
    recurring.forget()
    with session_scope(engine) as s:
        recurring.refresh(s, user_id)
    series = _spotify(engine, user_id)
    with session_scope(engine) as s:
        recurring.set_status(s, user_id, series["EUR"].id, ReviewStatus.DISMISSED)
        # September's payments arrive: the ledger changes and detection runs again
        konto, checking = (
            s.scalars(select(Account).where(Account.user_id == user_id, Account.name == n)).one()
            for n in ("Konto", "Checking")
        )
        _add(s, user_id, konto, (dt.date(2024, 9, 7), "-9.99", "subscriptions", "Spotify"), 900)
        _add(s, user_id, checking, (dt.date(2024, 9, 5), "-11.99", "subscriptions", "Spotify"), 901)
        s.commit()
        assert recurring.refresh(s, user_id) > 0  # ran again: the data version changed
    after = _spotify(engine, user_id)
    assert {c: r.id for c, r in after.items()} == {c: r.id for c, r in series.items()}
    assert after["EUR"].status is ReviewStatus.DISMISSED
    assert after["USD"].status is ReviewStatus.NEW
    assert after["EUR"].last_date == dt.date(2024, 9, 7) and after["EUR"].occurrences == 9
    assert after["USD"].last_date == dt.date(2024, 9, 5) and after["USD"].occurrences == 9


def test_known_amounts_of_a_eur_forecast_are_the_eur_bills_only(engine: Engine) -> None:
    user_id = _user(engine)
    seed_two_currencies(engine, user_id)
    recurring.forget()
    with session_scope(engine) as s:
        recurring.refresh(s, user_id)
    series = _spotify(engine, user_id)
    with session_scope(engine) as s:
        for record in series.values():
            recurring.set_status(s, user_id, record.id, ReviewStatus.CONFIRMED)
        eur = recurring.known_amounts(s, user_id, currency="EUR", months=2)
        usd = recurring.known_amounts(s, user_id, currency="usd", months=2)
        primary = recurring.known_amounts(s, user_id, months=2)
        with pytest.raises(InputError, match="GBP"):
            recurring.known_amounts(s, user_id, currency="GBP")
        bills_eur = known_bills(s, user_id, "EUR")
        bills_usd = known_bills(s, user_id)  # the primary currency's
        fixed_eur = budgeting.fixed_bills(s, user_id, "EUR")
        fixed_usd = budgeting.fixed_bills(s, user_id, "USD")
    spotify = {"category": "subscriptions", "series": 1}
    assert eur == [
        {**spotify, "month": "2024-09", "amount": Decimal("-9.99"), "currency": "EUR"},
        {**spotify, "month": "2024-10", "amount": Decimal("-9.99"), "currency": "EUR"},
    ]
    assert usd == [
        {**spotify, "month": "2024-09", "amount": Decimal("-11.99"), "currency": "USD"},
        {**spotify, "month": "2024-10", "amount": Decimal("-11.99"), "currency": "USD"},
    ]
    assert primary == usd  # USD holds most transactions
    assert bills_eur["subscriptions"]["2024-09"] == 9.99
    assert bills_usd["subscriptions"]["2024-09"] == 11.99
    assert fixed_eur["subscriptions"][0] == Decimal("9.99")
    assert fixed_usd["subscriptions"][0] == Decimal("11.99")


def test_a_eur_shop_is_judged_against_eur_history_only(engine: Engine) -> None:
    user_id = _user(engine)
    seed_two_currencies(engine, user_id, big_eur_shop=True)
    anomalies.forget()
    with session_scope(engine) as s:
        flags, _ = anomalies.list_flags(s, user_id, limit=1000)
        eur, _ = anomalies.list_flags(s, user_id, currency="EUR", limit=1000)
        rows = [
            (f.kind, f.amount, f.currency, f.reason, f.transaction_id)
            for f in flags
            if f.transaction_id is not None
        ]
        held = {
            int(t): str(c)
            for t, c in s.execute(
                select(Transaction.id, Account.currency).join(
                    Account, Account.id == Transaction.account_id
                )
            )
        }
        stored = s.scalars(select(AnomalyRecord.currency).where(AnomalyRecord.user_id == user_id))
        assert set(stored) <= {"EUR", "USD"}
        eur_currencies = {f.currency for f in eur}
    unusual = [r for r in rows if r[0] == "unusual_amount"]
    # the 150-euro shops are ordinary in euros (they are ~3.75x the dollar shops)
    assert [(r[1], r[2]) for r in unusual] == [(Decimal("-900.00"), "EUR")]
    assert "6.0x your usual spend at Market (usually 150.00)" in unusual[0][3]
    for _, _, currency, _, tx in rows:
        assert currency == held[tx]
    assert eur_currencies == {"EUR"}
