"""Labelled detector events: every kind injected and recorded, everyday data unchanged."""

from __future__ import annotations

import pandas as pd
import pytest

from fincast.synth import Households, generate_households

KINDS = {
    "medical_bill",
    "car_repair",
    "fraud_like_spike",
    "duplicate_charge",
    "unusual_amount",
    "new_merchant_large",
    "category_spike",
}


@pytest.fixture(scope="module")
def both() -> tuple[Households, Households]:
    return (
        generate_households(80, 24, 3, "2023-01"),
        generate_households(80, 24, 3, "2023-01", detector_events=True),
    )


def _strings(h: Households) -> pd.DataFrame:
    tx = h.transactions
    return pd.DataFrame({c: tx[c].astype(str) for c in tx.columns})


def test_every_kind_is_injected_and_shows_in_the_transactions(
    both: tuple[Households, Households],
) -> None:
    _, events = both
    truth = events.ground_truth
    counts = truth.anomalies["kind"].value_counts()
    assert set(counts.index) == KINDS
    assert counts.min() >= 5
    cadences = truth.recurring["cadence"].value_counts()
    assert {"weekly", "biweekly", "monthly", "quarterly", "annual"} == set(cadences.index)
    keys = ["user_id", "date", "amount", "payee", "account"]
    found = truth.anomalies.merge(_strings(events)[keys].drop_duplicates(), on=keys)
    assert len(found) == len(truth.anomalies)
    yearly = truth.recurring.loc[truth.recurring["cadence"] == "annual", ["user_id", "payee"]]
    renewals = truth.price_changes.merge(yearly, on=["user_id", "payee"])
    assert len(renewals) > 0
    old = renewals["old_amount"].str.lstrip("-").astype(float)
    assert (renewals["new_amount"].str.lstrip("-").astype(float) > old).all()


def test_everyday_rows_are_the_same_with_or_without_events(
    both: tuple[Households, Households],
) -> None:
    plain, events = both
    card_payments = ["credit_card_payment"]

    def everyday(h: Households) -> pd.Series:
        tx = _strings(h)
        return tx[~tx["category"].isin(card_payments)].value_counts()

    with_events = everyday(events)
    without = everyday(plain)
    # every everyday row is still there, as often as before
    assert (with_events.reindex(without.index) >= without).all()
    assert plain.monthly["user_id"].equals(events.monthly["user_id"])
    duplicates = events.ground_truth.anomalies["kind"] == "duplicate_charge"
    assert len(with_events) > len(without) and duplicates.any()
