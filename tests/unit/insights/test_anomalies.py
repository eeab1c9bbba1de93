"""Anomaly flags: amounts unusual for a payee, new merchants, duplicates, spikes, months."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fincast.insights.anomalies import (
    category_spikes,
    month_flags,
    monthly_ratios,
    transaction_flags,
)


def tx(rows: list[tuple[str, float, str, str]], account: str = "Visa") -> pd.DataFrame:
    f = pd.DataFrame(rows, columns=["date", "amount", "payee", "category"])
    return f.assign(id=np.arange(len(f)), account=account)


def days(start: str, n: int, step: int) -> list[str]:
    first = dt.date.fromisoformat(start)
    return [(first + dt.timedelta(days=step * k)).isoformat() for k in range(n)]


def coffee(n_low: int = 5, n_mid: int = 11, n_high: int = 4) -> list[tuple[str, float, str, str]]:
    amounts = [-4.8] * n_low + [-5.0] * n_mid + [-5.2] * n_high
    return [
        (d, a, "Blue Bottle Coffee", "dining")
        for d, a in zip(days("2024-01-02", len(amounts), 3), amounts, strict=True)
    ]


def test_unusual_amount_at_a_regular_merchant_says_how_unusual() -> None:
    rows = [*coffee(), ("2024-03-10", -17.0, "Blue Bottle Coffee", "dining")]
    (flag,) = transaction_flags(tx(rows))
    assert flag.kind == "unusual_amount" and flag.transaction_id == 20
    assert flag.reason == "3.4x your usual spend at Blue Bottle Coffee (usually 5.00)"
    assert flag.score > 3.5 and flag.amount == -17.0 and flag.month == "2024-03"


def test_a_slightly_larger_coffee_is_not_flagged() -> None:
    assert (
        transaction_flags(tx([*coffee(), ("2024-03-10", -9.0, "Blue Bottle Coffee", "dining")]))
        == []
    )


def test_large_first_payment_at_a_new_merchant() -> None:
    amounts = np.linspace(30, 90, 24)
    rows = [
        (d, -float(round(a, 2)), ["Target", "Amazon", "IKEA"][i % 3], "shopping")
        for i, (d, a) in enumerate(zip(days("2024-01-03", 24, 6), amounts, strict=True))
    ]
    rows.append(("2024-05-20", -1500.0, "Apex Electronics Outlet", "shopping"))
    flags = transaction_flags(tx(rows))
    assert [f.kind for f in flags] == ["new_merchant"]
    assert flags[0].reason == (
        "first payment to Apex Electronics Outlet: 24.5x your usual shopping purchase "
        "(usually 61.30)"
    )
    assert flags[0].payee == "Apex Electronics Outlet"


def test_new_merchants_in_the_first_weeks_are_not_new() -> None:
    rows = [("2024-01-05", -1500.0, "Apex Electronics Outlet", "shopping")]
    rows += [(d, -50.0, "Target", "shopping") for d in days("2024-01-10", 20, 7)]
    assert transaction_flags(tx(rows)) == []


def test_duplicate_charge_flags_the_second_only() -> None:
    rows = [*coffee(), ("2024-02-01", -63.17, "Olive Garden", "dining")]
    rows.append(("2024-02-02", -63.17, "Olive Garden", "dining"))
    rows.append(("2024-02-09", -63.17, "Olive Garden", "dining"))  # a week later: a habit
    flags = transaction_flags(tx(rows))
    assert [(f.kind, f.transaction_id) for f in flags] == [("duplicate", 21)]
    assert flags[0].reason == "same amount (63.17) at Olive Garden as a charge 1 day(s) earlier"


def test_same_amount_on_two_accounts_is_not_a_duplicate() -> None:
    a = tx([("2024-02-01", -63.17, "Olive Garden", "dining")], account="Visa")
    b = tx([("2024-02-01", -63.17, "Olive Garden", "dining")], account="Checking").assign(id=[1])
    assert transaction_flags(pd.concat([a, b], ignore_index=True)) == []


def test_expected_payments_are_not_judged_for_their_amount() -> None:
    rows = [(d, -12.0, "Streamly", "subscriptions") for d in days("2024-01-01", 12, 30)]
    rows.append(("2024-06-01", -450.0, "AAA Membership", "subscriptions"))
    flagged = transaction_flags(tx(rows))
    assert [f.payee for f in flagged] == ["AAA Membership"]
    assert transaction_flags(tx(rows), expected=[12]) == []


def test_income_and_transfers_are_never_flagged() -> None:
    rows = [(d, -500.0, "Transfer to Savings", "transfers") for d in days("2024-01-01", 8, 30)]
    rows.append(("2024-09-01", -9000.0, "Transfer to Savings", "transfers"))
    assert transaction_flags(tx(rows)) == []


def test_category_spike_over_many_purchases() -> None:
    rows = []
    for month in range(1, 11):
        for day, amount in ((5, -60.0), (15, -70.0), (25, -65.0)):
            rows.append((f"2024-{month:02d}-{day:02d}", amount, "Chipotle", "dining"))
    rows += [(f"2024-07-{d:02d}", -150.0, "Sushi Zen", "dining") for d in (2, 8, 11, 16, 20, 27)]
    (flag,) = category_spikes(tx(rows))
    assert (flag.kind, flag.subject, flag.month) == ("category_spike", "dining:2024-07", "2024-07")
    assert flag.amount == -1095.0
    assert flag.reason == "dining spending 5.6x your usual month (1,095.00 against 195.00)"


def test_one_big_purchase_is_not_a_category_spike() -> None:
    rows = [(f"2024-{m:02d}-05", -100.0, "Target", "shopping") for m in range(1, 11)]
    rows.append(("2024-06-20", -2000.0, "Best Buy", "shopping"))
    assert category_spikes(tx(rows)) == []


def _monthly(user: str, months: int, rng: np.random.Generator) -> pd.DataFrame:
    income = np.full(months, 5000.0)
    return pd.DataFrame(
        {
            "user_id": user,
            "year_month": [str(p) for p in pd.period_range("2023-01", periods=months, freq="M")],
            "total_income": income,
            "housing": 1500.0,
            "groceries": 600 + rng.normal(0, 30, months),
            "dining": 300 + rng.normal(0, 30, months),
            "shopping": 400 + rng.normal(0, 40, months),
        }
    )


def test_month_detectors_flag_a_month_of_spending_twice_the_income_at_the_shops() -> None:
    rng = np.random.default_rng(5)
    me = _monthly("me", 18, rng)
    me.loc[9, "shopping"] = 8000.0
    peers = pd.concat([_monthly(f"p{i}", 18, rng) for i in range(6)])
    for frame in (me, peers):
        frame["total_expense"] = frame[["housing", "groceries", "dining", "shopping"]].sum(axis=1)
    ratios = monthly_ratios(pd.concat([me, peers]))
    assert ratios.loc[9, "expense_income"] == pytest.approx(me.loc[9, "total_expense"] / 5000)
    flags = month_flags(ratios, users=["me"])["me"]
    robust = [f for f in flags if f.detector == "robust"]
    forest = [f for f in flags if f.detector == "isolation_forest"]
    assert [f.month for f in robust] == ["2023-10"]
    assert "2023-10" in [f.month for f in forest]
    # the most unusual ratio names the month's reason
    assert robust[0].reason == "shopping took 77% of spending (usually 14%)"
    assert robust[0].score > 10
