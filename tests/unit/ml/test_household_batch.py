"""Many households forecast at once give the numbers of one ``forecast`` per household."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fincast.errors import InputError
from fincast.ml.household import HouseholdForecaster
from fincast.ml.household_batch import (
    forecast_tables,
    intervals_many,
    probabilities_above,
)
from fincast.ml.household_forecast import HouseholdForecast
from fincast.services.forecasting.household import synthetic_tables


@pytest.fixture(scope="module")
def model() -> HouseholdForecaster:
    return HouseholdForecaster().fit(synthetic_tables(90, 48, seed=21))


def _tables() -> list[pd.DataFrame]:
    """Households of many lengths (3 to 48 months), some cut short, some odd on purpose."""
    full = synthetic_tables(40, 48, seed=2_024)
    rng = np.random.default_rng(3)
    out = []
    for k, table in enumerate(full):
        n = int(rng.choice([3, 4, 5, 7, 11, 12, 17, 18, 24, 30, 36, 48]))
        cut = table.iloc[len(table) - n :].reset_index(drop=True)
        if k % 7 == 0:  # an intermittent category: spending in some months only
            cut["gifts"] = np.where(np.arange(n) % 3 == 0, 80.0, 0.0)
            cut["total_expense"] = cut["total_expense"] + cut["gifts"]
        if k % 5 == 0:  # a fixed bill, and an expense total above its categories (unlisted)
            cut["streaming"] = 15.99
            cut["total_expense"] = cut["total_expense"] + 15.99 + 42.0
        if k % 11 == 0:  # a household with income only
            cut = cut[["year_month", "total_income"]]
        out.append(cut)
    # Two households of the same length ending in different months share a group.
    out.append(full[0].iloc[:20].reset_index(drop=True))
    out.append(full[1].iloc[5:25].reset_index(drop=True))
    return out


def _same(a: HouseholdForecast, b: HouseholdForecast) -> None:
    assert a.series == b.series and a.classes == b.classes and a.methods == b.methods
    assert a.months.equals(b.months)
    assert (a.history_months, a.bucket) == (b.history_months, b.bucket)
    for name in ("point", "likely", "scale", "quantiles"):
        # the same arithmetic in the same order: equal to the last bit
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("horizon", [1, 12])
def test_many_at_once_equal_one_at_a_time(model: HouseholdForecaster, horizon: int) -> None:
    tables = _tables()
    many = forecast_tables(model, tables, horizon)
    assert len(many) == len(tables)
    assert len({t.shape[0] for t in tables}) > 5
    for table, fc in zip(tables, many, strict=True):
        assert isinstance(fc, HouseholdForecast)
        _same(fc, model.forecast(table, horizon))
    kinds = {c for fc in many if isinstance(fc, HouseholdForecast) for c in fc.classes}
    assert {"category/fixed", "category/intermittent", "category/variable"} <= kinds
    assert any("unlisted" in fc.series for fc in many if isinstance(fc, HouseholdForecast))


def test_ranges_and_odds_equal_one_at_a_time_also_with_confirmed_bill_floors(
    model: HouseholdForecaster,
) -> None:
    tables = _tables()
    forecasts = [
        fc for fc in forecast_tables(model, tables, 12) if isinstance(fc, HouseholdForecast)
    ]
    floored = []
    for k, fc in enumerate(forecasts):
        cats = [s for s, c in zip(fc.series, fc.classes, strict=True) if c.startswith("category/")]
        if k % 2 and cats:
            floored.append(fc.with_floors({cats[0]: [500.0, 0.0, 250.0]}))
        else:
            floored.append(fc)
    assert any(f is not fc for f, fc in zip(floored, forecasts, strict=True))
    for fc, (lo, hi) in zip(floored, intervals_many(floored, 95.0), strict=True):
        want_lo, want_hi = fc.interval(95.0)
        np.testing.assert_array_equal(lo, want_lo)
        np.testing.assert_array_equal(hi, want_hi)
        for amount in (0.005, 0.0, 300.0, -50.0):
            got = probabilities_above(
                fc.point,
                np.repeat(fc.scale[:, None], fc.point.shape[1], axis=1),
                fc.quantiles,
                amount,
            )
            want = np.array(
                [
                    [fc.probability_above(i, j, amount) for j in range(fc.point.shape[1])]
                    for i in range(fc.point.shape[0])
                ]
            )
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_short_histories_get_forecasts_error_in_their_place(model: HouseholdForecaster) -> None:
    tables = _tables()[:3]
    short = tables[0].iloc[:2].reset_index(drop=True)
    broken = tables[1].drop(columns=["total_income"])
    out = forecast_tables(model, [short, tables[2], broken], 3)
    assert isinstance(out[0], InputError) and "at least 3 complete months" in str(out[0])
    with pytest.raises(InputError) as one:
        model.forecast(short, 3)
    assert str(out[0]) == str(one.value)
    assert isinstance(out[2], InputError) and "missing" in str(out[2])
    assert isinstance(out[1], HouseholdForecast)
    _same(out[1], model.forecast(tables[2], 3))
    with pytest.raises(InputError, match="horizon"):
        forecast_tables(model, tables, 13)
    with pytest.raises(InputError, match="not fitted"):
        forecast_tables(HouseholdForecaster(), tables, 1)
