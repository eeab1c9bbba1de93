"""The pure detectors keep currencies apart when the frame has a ``currency`` (issue 14)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from fincast.insights.anomalies import category_spikes, transaction_flags
from fincast.insights.recurring import detect_recurring


def _frame(rows: list[tuple[dt.date, float, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"id": i, "date": d, "amount": a, "payee": p, "category": c, "currency": cur}
            for i, (d, a, p, c, cur) in enumerate(rows)
        ]
    )


def _monthly(payee: str, amount: float, day: int, currency: str) -> list[tuple]:
    return [(dt.date(2024, m, day), amount, payee, "subscriptions", currency) for m in range(1, 9)]


def test_one_payee_in_two_currencies_is_two_series_with_their_own_amounts() -> None:
    frame = _frame(_monthly("Spotify", -9.99, 7, "eur") + _monthly("Spotify", -11.99, 5, "USD"))
    found = detect_recurring(frame)
    assert [(s.payee_key, s.currency, s.amount, s.count) for s in found] == [
        ("spotify", "EUR", -9.99, 8),
        ("spotify", "USD", -11.99, 8),
    ]
    # mixed into one payee's, two payments a month two days apart keep no cadence at all
    assert detect_recurring(frame.drop(columns="currency")) == []


def _market() -> list[tuple]:
    """Weekly dollar shops of about 40, irregular euro shops of about 150, one of 900."""
    start = dt.date(2024, 1, 1)
    rows: list[tuple] = [
        (start + dt.timedelta(days=7 * w + 1), -40.0 - (w % 5 - 2), "Market", "groceries", "USD")
        for w in range(34)
    ]
    eur = (-148.0, -150.0, -152.0, -151.0, -149.0, -150.0, -150.0, -153.0)
    for day, amount in zip((3, 41, 58, 101, 117, 160, 171, 215), eur, strict=True):
        rows.append((start + dt.timedelta(days=day), amount, "Market", "groceries", "EUR"))
    rows.append((dt.date(2024, 8, 20), -900.0, "Market", "groceries", "EUR"))
    return rows


def test_a_transaction_is_judged_against_its_own_currency_only() -> None:
    frame = _frame(_market())
    flags = [f for f in transaction_flags(frame) if f.kind == "unusual_amount"]
    assert [(f.amount, f.currency) for f in flags] == [(-900.0, "EUR")]
    assert "(usually 150.00)" in flags[0].reason
    # mixed with the dollars, the ordinary euro shops look unusual: what the column prevents
    mixed = [
        f for f in transaction_flags(frame.drop(columns="currency")) if f.kind == "unusual_amount"
    ]
    assert len(mixed) > 1 and all(f.currency is None for f in mixed)
    assert {f.amount for f in mixed} > {-900.0}


def test_category_spikes_are_per_currency_and_say_which() -> None:
    rows: list[tuple] = []
    for month in range(1, 13):
        rows.append((dt.date(2023, month, 15), -600.0 - month, "Diner", "dining", "USD"))
        rows.append((dt.date(2023, month, 12), -150.0 + month, "Gasthaus", "dining", "EUR"))
    for i in range(4):
        rows.append((dt.date(2023, 8, 14 + 2 * i), -400.0, f"Bistro {i}", "dining", "EUR"))
    spikes = category_spikes(_frame(rows))
    assert [(f.subject, f.currency) for f in spikes] == [("dining:2023-08", "EUR")]
    assert category_spikes(_frame(rows).drop(columns="currency")) == []
