"""The batch's ``serve_many`` answers exactly what ``serve`` answers, household by household."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fincast.errors import InputError
from fincast.ml.household import HouseholdForecaster
from fincast.ml.household_table import household_arrays
from fincast.services.forecasting.household import public, serve, serve_many, synthetic_tables

TODAY = dt.date(2031, 6, 15)


@pytest.fixture(scope="module")
def model() -> HouseholdForecaster:
    return HouseholdForecaster().fit(synthetic_tables(90, 48, seed=33))


def _households() -> list[pd.DataFrame]:
    tables = synthetic_tables(24, 40, seed=4_040)
    rng = np.random.default_rng(8)
    out = []
    for k, table in enumerate(tables):
        n = int(rng.choice([3, 6, 13, 18, 24, 40]))
        cut = table.iloc[len(table) - n :].reset_index(drop=True)
        if k % 4 == 0:  # a fixed bill and spending that comes and goes
            cut["phone"] = 39.0
            cut["gifts"] = np.where(np.arange(n) % 4 == 1, 120.0, 0.0)
            cut["total_expense"] = cut["total_expense"] + 39.0 + cut["gifts"]
        out.append(cut)
    return out


def _bills(table: pd.DataFrame, k: int) -> dict[str, dict[str, float]]:
    """Confirmed bills for some households: in the forecast months, and one before them."""
    if k % 3:
        return {}
    last = pd.Period(table["year_month"].iloc[-1], freq="M")
    cats = [c for c in table.columns if c not in ("year_month", "total_income", "total_expense")]
    return {
        cats[0]: {str(last + 1): 900.0, str(last + 3): 15.5, str(last): 60.0},
        "not_a_category": {str(last + 1): 10.0},
    }


@pytest.mark.parametrize("horizon", [1, 12])
def test_serve_many_equals_serve(model: HouseholdForecaster, horizon: int) -> None:
    tables = _households()
    bills = [_bills(t, k) for k, t in enumerate(tables)]
    many = serve_many(
        model,
        [household_arrays(t) for t in tables],
        horizon=horizon,
        level=95.0,
        today=TODAY,
        bills=bills,
    )
    known = 0
    for table, bill, got in zip(tables, bills, many, strict=True):
        assert isinstance(got, dict)
        want = serve(model, table, horizon=horizon, level=95.0, today=TODAY, bills=bill)
        assert public(got) == public(want)
        known += sum("known" in m for s in got["series"] for m in s["months"])
    assert known > 0  # the bill floors were exercised


def test_a_household_serve_refuses_gets_the_same_reason(model: HouseholdForecaster) -> None:
    table = _households()[0].iloc[:2].reset_index(drop=True)
    (got,) = serve_many(model, [household_arrays(table)], horizon=3)
    assert isinstance(got, InputError)
    with pytest.raises(InputError) as one:
        serve(model, table, horizon=3)
    assert str(got) == str(one.value)
