"""The household model: fixed bills as themselves, totals from parts, calibrated ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fincast.errors import InputError
from fincast.ml.household import CLASSES, REVISION, HouseholdForecaster, history_bucket
from fincast.services.forecasting.household import synthetic_tables


@pytest.fixture(scope="module")
def model() -> HouseholdForecaster:
    return HouseholdForecaster().fit(synthetic_tables(150, 54, seed=5))


def _table(months: int, seed: int = 0, start: str = "2021-01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ym = pd.period_range(start, periods=months, freq="M")
    travel = np.where(ym.month == 12, rng.normal(1400, 200, months), 0.0)
    df = pd.DataFrame(
        {
            "year_month": ym.strftime("%Y-%m"),
            "total_income": np.full(months, 4200.0),
            "insurance": np.full(months, 128.10),
            "groceries": rng.normal(450, 40, months).round(2),
            "travel": travel.round(2),
        }
    )
    df["total_expense"] = df[["insurance", "groceries", "travel"]].sum(axis=1)
    return df


@pytest.mark.parametrize(("months", "kind"), [(36, "category/steady"), (8, "category/fixed")])
def test_a_constant_bill_is_forecast_as_itself_with_a_tight_range(model, months, kind):
    fc = model.forecast(_table(months), horizon=3)
    i = fc.series.index("insurance")
    assert fc.classes[i] == kind and fc.methods[i] == "last amount"
    np.testing.assert_allclose(fc.point[i], 128.10)
    lo, hi = fc.interval(95)
    assert np.all(hi[i] - lo[i] < 0.05 * 128.10), (lo[i], hi[i])
    assert np.all(lo[i] <= 128.10) and np.all(hi[i] >= 128.10)


def test_a_bill_renewed_within_the_year_is_fixed_and_allows_for_the_next_renewal(model):
    table = _table(30)
    table.loc[22:, "insurance"] = 134.50  # renewed eight months before the end
    fc = model.forecast(table, horizon=3)
    i = fc.series.index("insurance")
    assert fc.classes[i] == "category/fixed"
    np.testing.assert_allclose(fc.point[i], 134.50)
    steady = model.forecast(_table(30), horizon=3)
    j = steady.series.index("insurance")
    width = lambda fc, k: np.subtract(*fc.interval(95)[::-1])[k] / fc.point[k]  # noqa: E731
    assert width(fc, i)[-1] >= width(steady, j)[-1]


def test_the_total_is_the_sum_of_its_parts_and_parts_are_not_moved(model):
    table = _table(24)
    fc = model.forecast(table, horizon=3)
    cats = [fc.series.index(c) for c in ("insurance", "groceries", "travel")]
    total = fc.series.index("total_expense")
    np.testing.assert_allclose(fc.point[cats].sum(axis=0), fc.point[total])
    savings = fc.series.index("savings")
    np.testing.assert_allclose(fc.point[0] - fc.point[total], fc.point[savings])


def test_december_spikes_are_learned_from_past_decembers(model):
    table = _table(36, start="2021-01")  # ends in December 2023; three Decembers of travel
    fc = model.forecast(table.iloc[:-1], horizon=1)  # history to November: forecast December
    i = fc.series.index("travel")
    assert fc.months[0].month == 12
    assert fc.point[i, 0] > 500, fc.point[i, 0]
    lo, hi = fc.interval(95)
    december = table["travel"].iloc[-1]
    assert lo[i, 0] <= december <= hi[i, 0]


def test_intermittent_spending_gets_a_probability_and_a_range_from_zero(model):
    fc = model.forecast(_table(30).iloc[:-6], horizon=1)  # forecasting July: no travel
    i = fc.series.index("travel")
    lo, _ = fc.interval(95)
    assert lo[i, 0] == 0.0
    p_any = fc.probability_above(i, 0, 0.005)
    assert 0.0 <= p_any < 0.5


def test_short_history_gets_the_short_bucket_and_wider_ranges(model):
    long = model.forecast(_table(36), horizon=1)
    short = model.forecast(_table(36).iloc[-3:], horizon=1)
    assert short.history_months == 3 and history_bucket(3) == short.bucket
    i, j = long.series.index("groceries"), short.series.index("groceries")
    width = lambda fc, k: np.subtract(*fc.interval(95)[::-1])[k, 0]  # noqa: E731
    assert width(short, j) > width(long, i)


def test_ranges_are_calibrated_on_households_the_model_never_saw(model):
    inside, total = 0, 0
    for table in synthetic_tables(40, 40, seed=99):
        for end in (15, 22, 29, 36):
            hist, truth = table.iloc[end - 12 : end], table.iloc[end]
            fc = model.forecast(hist.drop(columns=["savings"]), horizon=1)
            lo, hi = fc.interval(95)
            i = fc.series.index("total_expense")
            inside += lo[i, 0] <= truth["total_expense"] <= hi[i, 0]
            total += 1
    assert 0.90 <= inside / total <= 0.99, inside / total


def test_held_out_coverage_is_measured_per_kind_and_history(model):
    c = CLASSES.index("expense_total")
    measured, n = model.coverage_[c, :, 0], model.coverage_n_[c, :, 0]
    assert n.min() > 0
    assert np.all(np.abs(measured[n >= 500] - 0.95) < 0.025), (measured, n)


def test_round_trip_through_arrays_forecasts_identically(model):
    again = HouseholdForecaster.from_arrays(model.to_arrays())
    a, b = model.forecast(_table(20), 3), again.forecast(_table(20), 3)
    np.testing.assert_array_equal(a.point, b.point)
    np.testing.assert_array_equal(a.interval(95)[1], b.interval(95)[1])
    broken = model.to_arrays()
    broken["quantiles"] = broken["quantiles"][:, :, :2]
    with pytest.raises(InputError, match="another version"):
        HouseholdForecaster.from_arrays(broken)
    # Same layout, learned by an older fit (no revision, or another one): refused too, so
    # the service rebuilds it instead of serving ranges this version would not learn.
    older = model.to_arrays()
    del older["revision"]
    with pytest.raises(InputError, match="another version"):
        HouseholdForecaster.from_arrays(older)
    older["revision"] = np.array([REVISION + 1])
    with pytest.raises(InputError, match="another version"):
        HouseholdForecaster.from_arrays(older)


def test_each_step_keeps_its_own_error_quantiles(model):
    # No running maximum over steps (it kept each step's upward noise: too-wide ranges
    # further ahead); only cumulative savings, a running sum, must widen with the step.
    upper = model.quantiles_[..., -1]
    cumulative = CLASSES.index("savings_cumulative")
    assert np.all(np.diff(upper[cumulative], axis=1) >= 0)
    others = np.delete(upper, cumulative, axis=0)
    assert (np.diff(others, axis=2) < 0).any()


def test_bad_tables_are_refused_with_the_reason(model):
    with pytest.raises(InputError, match="at least 3"):
        model.forecast(_table(2))
    gap = _table(6).drop(index=2)
    with pytest.raises(InputError, match="consecutive"):
        model.forecast(gap)
    with pytest.raises(InputError, match="missing"):
        model.forecast(_table(6).drop(columns=["total_income"]))
    with pytest.raises(InputError, match="horizon"):
        model.forecast(_table(6), horizon=13)


def test_unlisted_spending_becomes_its_own_category(model):
    table = _table(12)
    table["total_expense"] += 100.0
    fc = model.forecast(table, 1)
    assert "unlisted" in fc.series
    total = fc.series.index("total_expense")
    assert fc.point[total, 0] > 100


def test_the_shortest_range_holds_the_level_where_errors_are_an_atom_and_a_tail():
    from fincast.ml.household_forecast import PROBS, range_quantiles

    rng = np.random.default_rng(3)
    errors = np.where(rng.random(20_000) < 0.96, 0.0, rng.uniform(0.2, 1.2, 20_000))
    table = np.quantile(errors, PROBS)[None, :]
    c_lo, c_hi = range_quantiles(table, 95.0)
    s_lo, s_hi = range_quantiles(table, 95.0, shortest=True)
    assert s_hi[0] - s_lo[0] < 0.5 * (c_hi[0] - c_lo[0])
    inside = ((errors >= s_lo[0]) & (errors <= s_hi[0])).mean()
    assert inside >= 0.949, inside
    # symmetric errors: the shortest range is as wide as the central one
    normal = np.quantile(rng.normal(size=20_000), PROBS)[None, :]
    central = np.subtract(*range_quantiles(normal, 95.0)[::-1])
    narrowest = np.subtract(*range_quantiles(normal, 95.0, shortest=True)[::-1])
    assert 0.97 * central[0] <= narrowest[0] <= central[0]


def test_intermittent_spending_is_served_as_what_to_expect_and_the_total_adds_the_means(model):
    from fincast.benchmarks.served import smape

    served, expected, truth = [], [], []
    for table in synthetic_tables(30, 30, seed=99):
        for end in (8, 14, 20):
            hist = table.iloc[:end].drop(columns=["savings"])
            cats = [c for c in hist.columns if c not in ("year_month", "total_income")]
            cats = [c for c in cats if c != "total_expense" and hist[c].abs().sum() > 0]
            hist = hist[["year_month", "total_income", *cats, "total_expense"]]
            fc = model.forecast(hist, horizon=1)
            total = fc.series.index("total_expense")
            parts = [k for k, c in enumerate(fc.classes) if c.startswith("category/")]
            np.testing.assert_allclose(fc.point[parts, 0].sum(), fc.point[total, 0])
            assert fc.likely[total, 0] == fc.point[total, 0]
            for k in parts:
                if fc.classes[k] == "category/intermittent":
                    served.append(fc.likely[k, 0])
                    expected.append(fc.point[k, 0])
                    truth.append(table[fc.series[k]].iloc[end])
    served_, expected_, truth_ = np.array(served), np.array(expected), np.array(truth)
    assert len(truth_) > 100
    assert smape(truth_, served_).mean() < smape(truth_, expected_).mean()
