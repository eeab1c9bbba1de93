"""Recurring series: cadences, jitter, variable amounts, price changes, gaps and endings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fincast.errors import InputError
from fincast.insights.recurring import PriceChange, detect_recurring


def frame(rows: list[tuple[str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["date", "amount", "payee"]).assign(
        id=lambda f: np.arange(len(f)) + 100, category="subscriptions", account="Visa"
    )


def only(found: list) -> object:
    assert len(found) == 1, found
    return found[0]


def test_monthly_on_the_31st_with_month_ends_and_weekends() -> None:
    # the 31st clamps to the month's last day; two charges moved to the Friday before
    dates = ["2024-01-31", "2024-02-29", "2024-03-29", "2024-04-30", "2024-05-31", "2024-06-28"]
    tx = frame([(d, -15.49, "NETFLIX.COM") for d in dates])
    s = only(detect_recurring(tx, as_of=dt.date(2024, 7, 5)))
    assert (s.payee_key, s.cadence, s.state) == ("netflix com", "monthly", "active")
    assert s.expected_amount == -15.49 and not s.amount_varies
    assert s.next_date == dt.date(2024, 7, 31)
    assert s.count == 6 and s.missed == () and s.price_changes == ()
    assert s.transaction_ids == (100, 101, 102, 103, 104, 105)
    assert s.category == "subscriptions" and s.account == "Visa"
    assert s.monthly_cost == pytest.approx(-15.49)


def test_variable_utility_amounts_are_one_series_without_price_changes() -> None:
    amounts = [-82.10, -95.30, -61.00, -55.20, -70.90, -110.40, -120.75]
    days = ["2024-01-05", "2024-02-06", "2024-03-05", "2024-04-04", "2024-05-06", "2024-06-05"]
    days.append("2024-07-05")
    s = only(detect_recurring(frame(list(zip(days, amounts, ["Metro Gas Co"] * 7, strict=True)))))
    assert s.cadence == "monthly" and s.amount_varies
    assert s.price_changes == ()
    assert s.amount == pytest.approx(-110.40)  # median of the last three
    assert s.expected_amount == s.amount


def test_price_change_old_new_and_when() -> None:
    rows = [(f"2024-{m:02d}-12", -10.99, "Spotify") for m in range(1, 5)]
    rows += [(f"2024-{m:02d}-12", -11.99, "Spotify") for m in range(5, 8)]
    s = only(detect_recurring(frame(rows)))
    assert s.price_changes == (PriceChange(dt.date(2024, 5, 12), -10.99, -11.99),)
    assert s.price_changes[0].change_pct == pytest.approx(9.099, abs=1e-3)
    assert s.expected_amount == -11.99


def test_a_one_off_amount_inside_is_not_a_price_change() -> None:
    amounts = [-20.0, -20.0, -20.0, -25.0, -20.0, -20.0]
    rows = [(f"2024-{m:02d}-03", a, "Gym") for m, a in zip(range(1, 7), amounts, strict=True)]
    assert only(detect_recurring(frame(rows))).price_changes == ()


def test_missed_payment_is_reported_and_the_series_kept() -> None:
    months = [1, 2, 3, 5, 6, 7, 8]  # April missing
    rows = [(f"2024-{m:02d}-15", -49.99, "Comcast") for m in months]
    s = only(detect_recurring(frame(rows), as_of=dt.date(2024, 8, 20)))
    assert s.missed == (dt.date(2024, 4, 15),)
    assert s.state == "active" and s.count == 7


def test_late_then_ended_series() -> None:
    rows = [(f"2024-{m:02d}-10", -9.99, "Hulu") for m in range(1, 7)]
    assert only(detect_recurring(frame(rows), as_of=dt.date(2024, 7, 9))).state == "active"
    assert only(detect_recurring(frame(rows), as_of=dt.date(2024, 7, 20))).state == "late"
    assert only(detect_recurring(frame(rows), as_of=dt.date(2024, 10, 1))).state == "ended"


def test_weekly_with_a_day_of_processing_jitter() -> None:
    start = dt.date(2024, 3, 4)
    days = [start + dt.timedelta(weeks=k, days=k % 3 == 1) for k in range(10)]
    s = only(detect_recurring(frame([(d.isoformat(), -40.0, "Sparkle Cleaning") for d in days])))
    assert s.cadence == "weekly" and s.count == 10
    assert s.next_date == days[-1] + dt.timedelta(days=7)


def test_biweekly_pay_with_variable_amounts() -> None:
    rng = np.random.default_rng(3)
    start = dt.date(2024, 1, 5)
    rows = [
        ((start + dt.timedelta(weeks=2 * k)).isoformat(), float(2000 + rng.normal(0, 40)), "ACME")
        for k in range(12)
    ]
    s = only(detect_recurring(frame(rows)))
    assert s.cadence == "biweekly" and s.amount > 0


def test_quarterly_and_annual() -> None:
    quarterly = [
        (f"{y}-{m:02d}-20", -180.0, "Pest Control") for y in (2023, 2024) for m in (1, 4, 7, 10)
    ]
    annual = [
        ("2022-06-03", -60.0, "Costco Membership"),
        ("2023-06-03", -65.0, "Costco Membership"),
    ]
    annual.append(("2024-06-03", -65.0, "Costco Membership"))
    found = {s.payee_key: s for s in detect_recurring(frame(quarterly + annual))}
    assert found["pest control"].cadence == "quarterly"
    assert found["pest control"].next_date == dt.date(2025, 1, 20)
    costco = found["costco membership"]
    assert costco.cadence == "annual" and costco.next_date == dt.date(2025, 6, 3)
    assert costco.price_changes == (PriceChange(dt.date(2023, 6, 3), -60.0, -65.0),)


def test_weekly_shop_of_varying_size_and_random_purchases_are_not_series() -> None:
    rng = np.random.default_rng(7)
    start = dt.date(2024, 1, 6)
    shop = [
        (
            (start + dt.timedelta(weeks=k)).isoformat(),
            -float(np.round(120 * np.exp(rng.normal(0, 0.22)), 2)),
            "Kroger",
        )
        for k in range(30)
    ]
    days = np.sort(rng.integers(0, 200, 12))
    dining = [
        (
            (start + dt.timedelta(days=int(d))).isoformat(),
            -float(np.round(rng.uniform(10, 60), 2)),
            "Chipotle",
        )
        for d in days
    ]
    assert detect_recurring(frame(shop + dining)) == []


def test_income_and_refunds_of_one_payee_keep_the_larger_side() -> None:
    rows = [(f"2024-{m:02d}-01", -1200.0, "Oakwood Apartments") for m in range(1, 8)]
    rows.append(("2024-03-15", 150.0, "Oakwood Apartments"))  # a deposit refund
    s = only(detect_recurring(frame(rows)))
    assert s.amount == -1200.0 and s.count == 7


def test_missing_columns_are_named() -> None:
    with pytest.raises(InputError, match=r"missing: \['payee'\]"):
        detect_recurring(pd.DataFrame({"date": [], "amount": []}))
